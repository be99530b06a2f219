using Bunit;
using TradeChain.Console.Components.Declarations;

namespace TradeChain.ConsoleTests;

/// <summary>The overview's charts: bars in proportion, named for assistive technology, and the same figures as a table.</summary>
public sealed class BarChartTests : BunitContext
{
    private static readonly BarChart.Bar[] Lanes = [new("Green", 4, "green"), new("Yellow", 2, "yellow"), new("Red", 0, "red")];

    [Fact]
    public void Bars_are_in_proportion_to_the_largest_and_the_figures_are_a_table_too()
    {
        var chart = Render<BarChart>(p => p.Add(c => c.Id, "by-lane").Add(c => c.Title, "Declarations by lane")
            .Add(c => c.Description, "6 declarations: Green 4, Yellow 2.").Add(c => c.Bars, Lanes).Add(c => c.CategoryHeading, "Lane"));

        var svg = chart.Find("svg");
        Assert.Equal("img", svg.GetAttribute("role"));
        Assert.Equal("by-lane-title by-lane-desc", svg.GetAttribute("aria-labelledby"));
        Assert.Equal("Declarations by lane", chart.Find("#by-lane-title").TextContent);
        Assert.Equal("6 declarations: Green 4, Yellow 2.", chart.Find("#by-lane-desc").TextContent);
        var widths = chart.FindAll("rect.bar").Select(r => double.Parse(r.GetAttribute("width")!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(3, widths.Count);
        Assert.Equal(widths[0] / 2, widths[1]);
        Assert.Equal(0, widths[2]);
        Assert.Equal(["Green 4", "Yellow 2", "Red 0"], chart.FindAll("tbody tr").Select(r => $"{r.Children[0].TextContent} {r.Children[1].TextContent}"));
    }

    [Fact]
    public void Columns_label_every_nth_and_an_empty_day_draws_no_bar()
    {
        var hours = Enumerable.Range(0, 24).Select(h => new BarChart.Bar($"{h:00}:00", 0)).ToList();
        var chart = Render<BarChart>(p => p.Add(c => c.Id, "per-hour").Add(c => c.Title, "Lodged per hour").Add(c => c.Description, "none")
            .Add(c => c.Bars, hours).Add(c => c.Columns, true).Add(c => c.LabelEvery, 6));

        Assert.All(chart.FindAll("rect.bar"), r => Assert.Equal("0", r.GetAttribute("height")));
        Assert.Equal(["00:00", "06:00", "12:00", "18:00"], chart.FindAll("svg text").Select(t => t.TextContent).Where(t => t.Contains(':')));
    }
}
