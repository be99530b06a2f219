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
    public static async Task<IReadOnlyList<MessageSummary>> ListAsync(PaymentsDbContext db, string subject, ClaimsPrincipal user, CancellationToken ct)
    {
        var messages = await db.Messages.AsNoTracking().Where(m => m.Subject == subject).OrderBy(m => m.CreatedAtUnixMs).ToListAsync(ct);
        var party = user.Party();
        return messages.Where(m => m.Party.Split(',').Contains(party))
            .Select(m => new MessageSummary(m.Id, m.MessageType, m.Subject, m.Party, m.CreatedAtUnixMs, $"/messages/{m.Id}")).ToList();
    }

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, PaymentsDbContext db, CancellationToken ct)
    {
        var message = await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.Id == id, ct);
        var party = user.Party();
        var mine = message is not null && message.Party.Split(',').Contains(party);
        return mine ? Results.Text(message!.Xml, "application/xml") : Problems.NotFound("message", id.ToString());
    }
}
