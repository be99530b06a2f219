using TradeChain.Payments.Domain.Credits;

namespace TradeChain.UnitTests;

public class BankingCalendarTests
{
    private static DateOnly D(string iso) => DateOnly.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("2026-03-20", "VN", true)]   // Friday
    [InlineData("2026-03-21", "VN", false)]  // Saturday
    [InlineData("2026-03-22", "DE", false)]  // Sunday
    [InlineData("2026-03-23", "GB", true)]   // Monday
    public void Monday_to_Friday_are_banking_days_and_weekends_are_not(string date, string country, bool banking) =>
        Assert.Equal(banking, BankingCalendar.IsBankingDay(D(date), country));

    [Theory]
    [InlineData("2026-02-17", "VN")] // Tết
    [InlineData("2026-04-30", "VN")] // Reunification Day
    [InlineData("2026-09-02", "VN")] // National Day
    [InlineData("2026-04-03", "DE")] // Good Friday
    [InlineData("2026-04-06", "DE")] // Easter Monday
    [InlineData("2026-12-25", "DE")]
    [InlineData("2027-03-26", "DE")] // Good Friday 2027
    [InlineData("2026-02-17", "SG")] // Chinese New Year
    [InlineData("2026-08-10", "SG")] // National Day, observed on the Monday
    [InlineData("2026-11-26", "US")] // Thanksgiving
    [InlineData("2027-07-05", "US")] // Independence Day observed
    [InlineData("2026-12-28", "GB")] // Boxing Day substitute
    public void A_public_holiday_on_a_weekday_is_not_a_banking_day(string date, string country)
    {
        Assert.False(BankingCalendar.IsBankingDay(D(date), country));
        Assert.NotNull(BankingCalendar.HolidayName(D(date), country));
    }

    [Fact]
    public void A_holiday_is_local_to_its_country()
    {
        Assert.False(BankingCalendar.IsBankingDay(D("2026-11-26"), "US"));
        Assert.True(BankingCalendar.IsBankingDay(D("2026-11-26"), "DE"));
        Assert.False(BankingCalendar.IsBankingDay(D("2026-02-18"), "vn")); // country codes in any case
        Assert.True(BankingCalendar.IsBankingDay(D("2026-02-18"), "GB"));
    }

    [Fact]
    public void A_country_without_a_table_has_weekends_only()
    {
        Assert.DoesNotContain("FR", BankingCalendar.Countries);
        Assert.True(BankingCalendar.IsBankingDay(D("2026-12-25"), "FR"));
        Assert.False(BankingCalendar.IsBankingDay(D("2026-12-26"), "FR"));
        Assert.Equal(["DE", "GB", "SG", "US", "VN"], BankingCalendar.Countries.Order());
    }

    [Theory]
    [InlineData("2026-03-20", "VN", "2026-03-20")] // a banking day is its own next banking day
    [InlineData("2026-03-28", "VN", "2026-03-30")] // Saturday → Monday
    [InlineData("2026-02-14", "VN", "2026-02-23")] // Saturday before Tết → the Monday after it
    [InlineData("2026-04-30", "VN", "2026-05-04")] // 30 April and 1 May, then the weekend
    [InlineData("2026-04-03", "DE", "2026-04-07")] // Good Friday → Tuesday after Easter Monday
    [InlineData("2026-12-25", "GB", "2026-12-29")] // Christmas, weekend, Boxing Day substitute
    public void The_next_banking_day_skips_weekends_and_holidays(string date, string country, string expected) =>
        Assert.Equal(D(expected), BankingCalendar.NextBankingDay(D(date), country));

    [Theory]
    [InlineData("2026-03-20", 0, "VN", "2026-03-20")]
    [InlineData("2026-03-20", 1, "VN", "2026-03-23")] // Friday + 1 → Monday
    [InlineData("2026-03-21", 1, "VN", "2026-03-23")] // counted from a Saturday: the Monday is the first
    [InlineData("2026-03-20", 5, "VN", "2026-03-27")] // five banking days across a weekend
    [InlineData("2026-04-02", 5, "DE", "2026-04-13")] // across Easter
    [InlineData("2026-04-23", 5, "VN", "2026-05-05")] // across Hùng Kings, 30 April and 1 May
    [InlineData("2026-02-12", 5, "VN", "2026-02-26")] // across Tết
    [InlineData("2026-12-31", 1, "US", "2027-01-04")] // New Year's Day on a Friday, then the weekend
    public void Adding_banking_days_counts_only_banking_days_after_the_date(string date, int days, string country, string expected) =>
        Assert.Equal(D(expected), BankingCalendar.AddBankingDays(D(date), days, country));

    [Fact]
    public void Negative_days_and_a_missing_country_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BankingCalendar.AddBankingDays(D("2026-03-20"), -1, "VN"));
        Assert.ThrowsAny<ArgumentException>(() => BankingCalendar.IsBankingDay(D("2026-03-20"), " "));
    }
}
