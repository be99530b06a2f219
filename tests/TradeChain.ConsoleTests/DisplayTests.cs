using TradeChain.Console.Services;

namespace TradeChain.ConsoleTests;

/// <summary>Amounts, moments and hashes read the same on every page.</summary>
public sealed class DisplayTests
{
    [Theory]
    [InlineData(12000, "USD", "12,000.00 USD")]
    [InlineData(1250000, "VND", "1,250,000 VND")]
    [InlineData(1.5, "KWD", "1.500 KWD")]
    public void An_amount_has_its_currencys_minor_digits(decimal amount, string currency, string expected) =>
        Assert.Equal(expected, Display.Money(amount, currency));

    [Theory]
    [InlineData(24560689, "VND", "24,560,689")]
    [InlineData(12000, "USD", "12,000.00")]
    [InlineData(-0.5, "KWD", "-0.500")]
    public void A_table_amount_is_the_number_alone_in_its_currencys_minor_digits(decimal amount, string currency, string expected) =>
        Assert.Equal(expected, Display.Amount(amount, currency));

    [Fact]
    public void An_amount_in_a_currency_not_known_keeps_the_digits_it_was_given() =>
        Assert.Equal("1,234.567 XAU", Display.Money(1234.567m, "XAU"));

    [Fact]
    public void A_moment_reads_in_utc() => Assert.Equal("2026-11-23 08:00:00 UTC", Display.Time(1795420800000));

    [Fact]
    public void A_long_hash_is_cut_to_its_ends_and_a_short_one_kept() =>
        Assert.Equal(("0x5f2c0e7b…c0d1e2", "0xabc"), (Display.ShortHash("0x5f2c0e7bd0a3b1e9a8c4f1b2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2"), Display.ShortHash("0xabc")));
}
