using TradeChain.Domain;

namespace TradeChain.Customs.Domain;

// What a declaration tells the other services, raised by Declaration beside the transition that causes it.
// Application/IntegrationEvents.cs turns each into the message on the wire, in the same transaction as the state.

/// <summary>
/// The documents a declaration cites must be verified before it goes on: at lodgement, after an amendment, when the
/// declarant answers a request for documents (only the new ones), and when an earlier request went unanswered.
/// </summary>
public sealed record DocumentsNeedVerifying(Guid DeclarationId, string DeclarantParty, IReadOnlyList<string> DocumentHashes) : IDomainEvent;

/// <summary>Duties were assessed (or reassessed after examination) and must be paid under <paramref name="PaymentReference"/>.</summary>
public sealed record DutyPaymentDue(Guid DeclarationId, string DeclarantParty, string PaymentReference, decimal Amount, string Currency) : IDomainEvent;

/// <summary>A payment request not yet paid is no longer wanted: the declaration was amended, rejected or cancelled.</summary>
public sealed record DutyPaymentRequestWithdrawn(Guid DeclarationId, string PaymentReference, string Reason) : IDomainEvent;

/// <summary>The goods were released (08), on payment for green and blue lanes or by an officer after the lane's check.</summary>
public sealed record DeclarationReleased(Guid DeclarationId, string DeclarantParty, long ReleasedAtUnixMs) : IDomainEvent;
