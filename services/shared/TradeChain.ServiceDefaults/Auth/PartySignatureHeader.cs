using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TradeChain.Ledger;

namespace TradeChain.ServiceDefaults.Auth;

/// <summary>
/// A party that signs its own transactions takes a step that is a chain transaction (after it answered 409
/// "signature-required" with the transaction) by sending the same request again with either its signature of that
/// transaction in the <c>Signed-Transaction</c> header, or — from a wallet that signs only by sending, as MetaMask does —
/// the hash of that transaction as its wallet sent it, in the <c>Sent-Transaction</c> header. One of the two, bounded; it
/// counts for the signed-in caller's own party only — nobody hands in a transaction for someone else — and the party's
/// signer (or, for a sent one, the chain writer) checks that it is exactly the step's call from the party's account.
/// </summary>
public static class PartySignatureHeader
{
    public static IApplicationBuilder UsePartySignatures(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var hasSigned = context.Request.Headers.TryGetValue(PartySignatures.Header, out var signedValues);
        var hasSent = context.Request.Headers.TryGetValue(PartySignatures.SentHeader, out var sentValues);
        if (!hasSigned && !hasSent)
        {
            await next(context);
            return;
        }
        var raw = signedValues.ToString().Trim();
        var hash = sentValues.ToString().Trim();
        var refusal =
            hasSigned && hasSent ? Refusal("The transaction of the step is not accepted.", PartySignatures.SentHeader, "party-transaction",
                $"must not be given with the {PartySignatures.Header} header: give either the signed transaction or the hash of the one your wallet sent")
            : hasSigned && (signedValues.Count != 1 || raw.Length is 0 or > DecodedTransaction.MaxRawLength)
                ? Refusal("The signed transaction is not accepted.", PartySignatures.Header, "signed-transaction",
                    "must be one signed transaction of at most " + DecodedTransaction.MaxRawLength + " characters")
            : hasSent && (sentValues.Count != 1 || !SentTransactions.IsHash(hash))
                ? Refusal("The sent transaction is not accepted.", PartySignatures.SentHeader, "sent-transaction",
                    "must be one transaction hash: 0x and 64 hex digits")
            : null;
        if (refusal is not null)
        {
            await refusal.ExecuteAsync(context);
            return;
        }
        if (context.User.Identity?.IsAuthenticated == true && context.User.FindFirst(Claims.Party)?.Value is { } party)
        {
            if (hasSigned) PartySignatures.Use(party, raw);
            else PartySignatures.UseSent(party, hash);
        }
        await next(context);
    });

    private static IResult Refusal(string title, string header, string rule, string message) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: title, detail: $"The {header} header {message}.",
            extensions: new Dictionary<string, object?>
            {
                ["rule"] = rule,
                ["errors"] = new Dictionary<string, string[]> { [header] = [message] },
            });
}
