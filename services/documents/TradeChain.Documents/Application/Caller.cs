namespace TradeChain.Documents.Application;

/// <summary>Who asks: the party acted for, the person (for the transition log) and whether they are a customs officer.</summary>
public sealed record Caller(string Party, string Actor, bool IsCustomsOfficer);
