using System.ComponentModel.DataAnnotations;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Nethereum.Util;

namespace TradeChain.Ledger;

/// <summary>
/// Where an account's key is held when it is not in this process: an Ethereum JSON-RPC endpoint that answers
/// <c>eth_signTransaction</c> for <see cref="Address"/> (Consensys Web3Signer, or a node holding the account).
/// </summary>
public sealed class RemoteSignerOptions
{
    /// <summary>The signer's JSON-RPC URL. https outside Development (the transaction and the bearer token travel on it).</summary>
    [Required, Url] public string Url { get; set; } = "";

    /// <summary>The account the signer signs as: every signature that comes back is checked to be this account's.</summary>
    [Required, RegularExpression("^0x[0-9a-fA-F]{40}$", ErrorMessage = "an address is 0x and 40 hex digits")]
    public string Address { get; set; } = "";

    /// <summary>Sent as <c>Authorization: Bearer …</c> when set (from the secret store, never committed).</summary>
    public string? BearerToken { get; set; }

    /// <summary>A client certificate (PEM) for mutual TLS, with its key (<see cref="ClientKeyPath"/>, PEM).</summary>
    public string? ClientCertificatePath { get; set; }

    public string? ClientKeyPath { get; set; }

    /// <summary>A private CA (PEM) the signer's server certificate must chain to, instead of the system's trust store.</summary>
    public string? CaCertificatePath { get; set; }

    [Range(1, 300)] public int TimeoutSeconds { get; set; } = 10;

    /// <summary>What is wrong with these options, if anything (<paramref name="name"/> names them in the message).</summary>
    public IEnumerable<string> Problems(string name, bool development)
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            yield return $"{name}:Url must be an absolute http(s) URL of the signer's JSON-RPC endpoint.";
        else if (!development && url.Scheme != "https")
            yield return $"{name}:Url must be https outside Development: the transactions and the bearer token travel on it.";
        if (!AddressUtil.Current.IsValidEthereumAddressHexFormat(Address))
            yield return $"{name}:Address must be the signer's account address (0x and 40 hex digits).";
        if (ClientCertificatePath is { Length: > 0 } != ClientKeyPath is { Length: > 0 })
            yield return $"{name}:ClientCertificatePath and {name}:ClientKeyPath go together (a PEM certificate and its PEM key).";
        if (TimeoutSeconds is < 1 or > 300) yield return $"{name}:TimeoutSeconds must be between 1 and 300.";
    }
}

/// <summary>A remote signer refused or failed to sign, or answered with something that is not the transaction asked for.</summary>
public sealed class RemoteSignerException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Signs through a remote signer's <c>eth_signTransaction</c> (<see cref="RemoteSignerOptions"/>). Nothing it answers is
/// taken on trust: the signed transaction is decoded and must be exactly the one asked for (chain, nonce, fees, gas,
/// recipient, value, data), signed by the configured account; its hash is computed here from its bytes.
/// </summary>
public sealed class RemoteSigner : IChainSigner, IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _url;
    private long _requestId;

    public RemoteSigner(RemoteSignerOptions options, HttpMessageHandler? handler = null)
    {
        _url = new Uri(options.Url);
        Address = AddressUtil.Current.ConvertToChecksumAddress(options.Address);
        _http = new HttpClient(handler ?? Handler(options), disposeHandler: true)
        {
            Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds), MaxResponseContentBufferSize = MaxAnswerBytes,
        };
        if (options.BearerToken is { Length: > 0 } token) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public string Address { get; }

    /// <summary>A signed transaction is a few kilobytes: a larger answer is refused unread.</summary>
    private const int MaxAnswerBytes = 1 << 20;

    /// <summary>Names the signer by scheme, host and path — never credentials in the URL.</summary>
    public string Description => $"the remote signer at {Where(_url)}";

    public static string Where(Uri url) => url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);

    public async Task<SignedTransaction> SignAsync(UnsignedTransaction transaction, CancellationToken cancellationToken)
    {
        var request = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = Interlocked.Increment(ref _requestId),
            ["method"] = "eth_signTransaction",
            ["params"] = new JsonArray(new JsonObject
            {
                ["from"] = Address,
                ["to"] = transaction.To,
                ["gas"] = SigningRequest.Quantity(transaction.GasLimit),
                ["maxFeePerGas"] = SigningRequest.Quantity(transaction.MaxFeePerGas),
                ["maxPriorityFeePerGas"] = SigningRequest.Quantity(transaction.MaxPriorityFeePerGas),
                ["nonce"] = SigningRequest.Quantity(transaction.Nonce),
                ["value"] = SigningRequest.Quantity(transaction.Value),
                ["data"] = string.IsNullOrEmpty(transaction.Data) ? "0x" : transaction.Data,
                ["chainId"] = SigningRequest.Quantity(transaction.ChainId),
                ["type"] = "0x2",
            }),
        };
        JsonObject? answer;
        try
        {
            using var response = await _http.PostAsJsonAsync(_url, request, cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new RemoteSignerException($"{Description} answered HTTP {(int)response.StatusCode} for {Address}" +
                                                (response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden
                                                    ? " (check its bearer token or client certificate)" : ""));
            answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) as JsonObject; // buffered, at most MaxAnswerBytes
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or HttpRequestException { HttpRequestError: HttpRequestError.ConfigurationLimitExceeded })
        {
            throw new RemoteSignerException($"{Description} answered something that is not JSON-RPC", e);
        }
        if (answer?["error"] is JsonObject error)
            throw new RemoteSignerException($"{Description} refused to sign for {Address}: {error["message"]?.ToString() ?? error.ToJsonString()}");
        var raw = answer?["result"] switch
        {
            JsonValue value when value.TryGetValue<string>(out var text) => text, // Web3Signer, anvil
            JsonObject signed when signed["raw"] is JsonValue rawValue && rawValue.TryGetValue<string>(out var rawText) => rawText, // geth: { raw, tx }
            _ => null,
        };
        if (raw is null || !raw.StartsWith("0x", StringComparison.Ordinal))
            throw new RemoteSignerException($"{Description} answered no signed transaction for {Address}");
        return Check(transaction, raw);
    }

    /// <summary>The signed transaction if <paramref name="raw"/> is exactly <paramref name="expected"/> signed by <see cref="Address"/>.</summary>
    private SignedTransaction Check(UnsignedTransaction expected, string raw)
    {
        DecodedTransaction signed;
        try
        {
            // As long as the asked call's data (hex) and a signed envelope: a bank's batch of transfers is many kilobytes.
            signed = DecodedTransaction.Decode(raw, DecodedTransaction.MaxRawLength + (expected.Data?.Length ?? 0));
        }
        catch (PartySignatureException e)
        {
            throw new RemoteSignerException($"{Description} answered a transaction that {e.Message}", e);
        }
        var differences = signed.DifferencesFrom(expected, sameEnvelope: true);
        if (differences.Count > 0)
            throw new RemoteSignerException($"{Description} signed a different transaction than the one asked for ({string.Join(", ", differences)} differ): not sent");
        if (!string.Equals(signed.Signer, Address, StringComparison.OrdinalIgnoreCase))
            throw new RemoteSignerException($"{Description} signed as {signed.Signer}, not as {Address}: not sent");
        return signed.Signed();
    }


    private static SocketsHttpHandler Handler(RemoteSignerOptions options)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (options.ClientCertificatePath is { Length: > 0 } certificate && options.ClientKeyPath is { Length: > 0 } key)
            handler.SslOptions.ClientCertificates = new X509CertificateCollection { X509Certificate2.CreateFromPemFile(certificate, key) };
        if (options.CaCertificatePath is { Length: > 0 } ca)
        {
            var authority = X509Certificate2.CreateFromPem(File.ReadAllText(ca));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, errors) =>
            {
                if (presented is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(authority);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(presented));
            };
        }
        return handler;
    }

    public void Dispose() => _http.Dispose();
}
