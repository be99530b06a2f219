using Microsoft.Extensions.Logging;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.ServiceDefaults.Messaging;

/// <summary>
/// One side of a typed conversation: a request that asks a question (is this declaration's set of documents genuine?)
/// and is answered by a reply of its own type, consumed only by the service that asked. Answering changes no aggregate,
/// so the reply is not a domain event: <see cref="AnswerAsync"/> returns it and this base writes it to the outbox with
/// the inbox row, in one transaction — a redelivered request is answered once, and an answer is never lost.
/// </summary>
public abstract class IdempotentResponder<TRequest, TReply>(ServiceDbContext db, ILogger logger) : IdempotentConsumer<TRequest>(db, logger)
    where TRequest : class
    where TReply : class
{
    private readonly ServiceDbContext _db = db;

    /// <summary>The reply to <paramref name="request"/>. Throw to have the bus ask again later (the answer is not known yet).</summary>
    protected abstract Task<TReply> AnswerAsync(TRequest request, CancellationToken cancellationToken);

    protected sealed override async Task HandleAsync(TRequest message, CancellationToken cancellationToken) =>
        _db.Reply(await AnswerAsync(message, cancellationToken)); // a reply, not news of a state change: saved with the inbox row by the base
}
