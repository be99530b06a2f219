using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Payments.Api;

public sealed record MessageSummary(Guid Id, string MessageType, string Subject, string Party, long CreatedAtUnixMs, string Href);

/// <summary>ISO 20022 messages: listed with their subject, and served as XML to the parties they concern.</summary>
public static class MessageEndpoints
{
    public static IEndpointRouteBuilder MapIso20022Messages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/messages/{id:guid}", GetAsync).RequireAuthorization(Policies.AnyParty).WithTags("ISO 20022")
            .WithSummary("One ISO 20022 message as XML (pacs.008 for the banks involved, camt.054 for the account holder).");
        return app;
    }

    /// <summary>Each party sees the messages addressed to it: the banks their pacs.008, each account holder its camt.054.</summary>
    /// <remarks>
    /// The latest <see cref="MaxListed"/> of the subject's messages for the caller, oldest first, read without their XML (a
    /// subject that grows — an account's camt.054 notifications, one per deposit or withdrawal — never makes the list unbounded).
    /// </remarks>
    public static async Task<IReadOnlyList<MessageSummary>> ListAsync(PaymentsDbContext db, string subject, ClaimsPrincipal user, CancellationToken ct)
    {
        var party = user.Party();
        // The caller's own (Party is the comma-separated list of the parties a message is for), before the latest are taken:
        // another party's messages on the same subject (a credit's) never push the caller's out of the list.
        var (first, last, inner) = (party + ",", "," + party, "," + party + ",");
        var messages = await db.Messages.AsNoTracking()
            .Where(m => m.Subject == subject && (m.Party == party || m.Party.StartsWith(first) || m.Party.EndsWith(last) || m.Party.Contains(inner)))
            .OrderByDescending(m => m.CreatedAtUnixMs).ThenByDescending(m => m.Id).Take(MaxListed)
            .Select(m => new { m.Id, m.MessageType, m.Subject, m.Party, m.CreatedAtUnixMs }).ToListAsync(ct);
        return messages.Where(m => m.Party.Split(',').Contains(party)).OrderBy(m => m.CreatedAtUnixMs).ThenBy(m => m.Id)
            .Select(m => new MessageSummary(m.Id, m.MessageType, m.Subject, m.Party, m.CreatedAtUnixMs, $"/messages/{m.Id}")).ToList();
    }

    /// <summary>The most messages a subject's list gives (the latest).</summary>
    public const int MaxListed = Paging.MaxSize;

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, PaymentsDbContext db, CancellationToken ct)
    {
        var message = await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.Id == id, ct);
        var party = user.Party();
        var mine = message is not null && message.Party.Split(',').Contains(party);
        return mine ? Results.Text(message!.Xml, "application/xml") : Problems.NotFound("message", id.ToString());
    }
}
