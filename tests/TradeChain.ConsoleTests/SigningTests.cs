using TradeChain.Console.Services;
using TradeChain.Console.Services.Signing;

namespace TradeChain.ConsoleTests;

/// <summary>How the console reads a step that stopped for a party's own signature, as the services answer it.</summary>
public sealed class SigningTests
{
    private const string Transaction = """
        {"from":"0x3Acb1FaDB26d9Dcb36b3B2875d941c66f6682C72","to":"0x610178dA211FEF7D417bC0e6FeD39F05609AD788","data":"0x0272f3a3","value":"0x0",
         "nonce":"0x1a","gas":"0x1059a","maxFeePerGas":"0x86517911","maxPriorityFeePerGas":"0x865147f9","chainId":"0x7a69","type":"0x2",
         "description":"a chain transaction of BNK-OWNKEY for this step"}
        """;

    private static ApiProblem Problem(int status, string rule, string? extensions = null) => ApiProblem.Parse(status,
        $$"""{"title":"Your signature is needed.","detail":"…","rule":"{{rule}}"{{(extensions is null ? "" : "," + extensions)}}}""", "refused");

    [Fact]
    public void A_step_stopped_for_a_signature_gives_the_transaction_to_sign_and_whose_signature_it_is()
    {
        var step = StepToSign.From(Problem(409, "signature-required", $$"""  "transaction":{{Transaction}},"party":"BNK-OWNKEY" """), "credit", "/credits/1/issue", null);
        Assert.NotNull(step);
        Assert.Equal(("BNK-OWNKEY", "0x3Acb1FaDB26d9Dcb36b3B2875d941c66f6682C72", "26"), (step.Party, step.Transaction.From, step.Transaction.NonceNumber));
        Assert.Equal(("credit", "/credits/1/issue"), (step.Scope, step.Path));
        Assert.DoesNotContain("\"json\"", step.Transaction.Json, StringComparison.OrdinalIgnoreCase); // the file holds the transaction only
        Assert.Contains("\"nonce\": \"0x1a\"", step.Transaction.Json, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_other_refusal_is_no_step_to_sign_and_send_again()
    {
        Assert.Null(StepToSign.From(Problem(409, "contract:NotServicingBank"), "credit", "/credits/1/issue", null));
        Assert.Null(StepToSign.From(Problem(409, "signature-required"), "credit", "/credits/1/issue", null)); // no transaction given
        Assert.Null(StepToSign.From(null, "credit", "/credits/1/issue", null));
        // A pending signature gone stale gives a new transaction to sign, but is no step to send again.
        var stale = Problem(409, "signed-transaction-stale", $$""" "transaction":{{Transaction}} """);
        Assert.NotNull(UnsignedTransaction.AskedBy(stale));
        Assert.Null(StepToSign.From(stale, "credit", "/credits/1/issue", null));
    }
}
