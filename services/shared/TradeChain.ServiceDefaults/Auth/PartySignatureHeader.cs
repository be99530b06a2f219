using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TradeChain.Ledger;

namespace TradeChain.ServiceDefaults.Auth;

/// <summary>
/// A party that signs its own transactions sends its signature of a step's transaction in the <c>Signed-Transaction</c>
/// header of the step's request (after the step answered 409 "signature-required" with the transaction to sign). The
/// header counts for the signed-in caller's own party only — nobody hands in a signature for someone else — and is
/// bounded; the signer that uses it checks that it is exactly the step's call signed by the party's account.
/// </summary>
public static class PartySignatureHeader
{
    public static IApplicationBuilder UsePartySignatures(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Headers.TryGetValue(PartySignatures.Header, out var values))
        {
            var raw = values.ToString().Trim();
            if (values.Count != 1 || raw.Length is 0 or > DecodedTransaction.MaxRawLength)
            {
                await Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The signed transaction is not accepted.",
                        detail: $"The {PartySignatures.Header} header holds one signed transaction (0x and hex digits), at most {DecodedTransaction.MaxRawLength} characters.",
                        extensions: new Dictionary<string, object?>
                        {
                            ["rule"] = "signed-transaction",
                            ["errors"] = new Dictionary<string, string[]> { [PartySignatures.Header] = ["must be one signed transaction of at most " + DecodedTransaction.MaxRawLength + " characters"] },
                        })
                    .ExecuteAsync(context);
                return;
            }
            if (context.User.Identity?.IsAuthenticated == true && context.User.FindFirst(Claims.Party)?.Value is { } party) PartySignatures.Use(party, raw);
        }
        await next(context);
    });
}
