namespace TradeChain.ConsoleTests;

/// <summary>After sign-in the console sends people back only to one of its own pages.</summary>
public sealed class ReturnUrlTests
{
    [Theory]
    [InlineData("/queue?status=Paid", "/queue?status=Paid")]
    [InlineData("/declarations/8b6d165e-88d1-4c56-bda7-7a40e0a31aff", "/declarations/8b6d165e-88d1-4c56-bda7-7a40e0a31aff")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("//evil.example", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("/\t/evil.example", "/")]
    [InlineData("/\n/evil.example", "/")]
    [InlineData("", "/")]
    [InlineData(null, "/")]
    public void A_return_address_is_kept_only_when_it_is_a_local_path(string? given, string expected) =>
        Assert.Equal(expected, TradeChain.Console.SignInExtensions.SafeReturnUrl(given));
}
