using TradeChain.Ledger;

namespace TradeChain.Documents.Verification;

/// <summary>An issuer TradeChain knows: who operates a document store or title registry, and the domain it claims.</summary>
public sealed class KnownIssuer
{
    public string Name { get; set; } = "";

    /// <summary>The document store or title registry address.</summary>
    public string Address { get; set; } = "";

    /// <summary>The domain of the issuer's DNS-TXT identity proof (shown, not looked up: no DNS here).</summary>
    public string? Domain { get; set; }
}

/// <summary>Section "IssuerRegistry": issuers beyond TradeChain's own store and registry, which are always known.</summary>
public sealed class IssuerRegistryOptions
{
    public const string Section = "IssuerRegistry";

    public List<KnownIssuer> Issuers { get; set; } = [];

    /// <summary>The domain TradeChain's own documents name in their DNS-TXT identity proof.</summary>
    public string OwnDomain { get; set; } = "documents.tradechain.example";
}

/// <summary>
/// TradeChain's issuer registry: the contracts whose issuers it vouches for. Issuer identity is checked against this
/// registry; OpenAttestation's DNS-TXT proof would also need a DNS lookup, which this deployment cannot make.
/// </summary>
public sealed class IssuerRegistry
{
    private readonly Dictionary<string, KnownIssuer> _byAddress = new(StringComparer.OrdinalIgnoreCase);

    public IssuerRegistry(IssuerRegistryOptions options, ChainOptions chain)
    {
        OwnDomain = options.OwnDomain;
        Add(new KnownIssuer { Name = "TradeChain Document Store", Address = chain.DocumentStoreAddress, Domain = options.OwnDomain });
        if (chain.TitleRegistryAddress.Length > 0)
            Add(new KnownIssuer { Name = "TradeChain Title Registry (bills of lading)", Address = chain.TitleRegistryAddress, Domain = options.OwnDomain });
        foreach (var issuer in options.Issuers) Add(issuer);
    }

    public string OwnDomain { get; }

    public IReadOnlyCollection<KnownIssuer> All => _byAddress.Values;

    public KnownIssuer? Find(string address) => _byAddress.GetValueOrDefault(address);

    private void Add(KnownIssuer issuer)
    {
        if (issuer.Address.Length > 0) _byAddress[issuer.Address] = issuer;
    }
}
