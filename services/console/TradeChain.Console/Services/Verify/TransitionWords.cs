using System.Text;
using TradeChain.Console.Services.Customs;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Console.Services.Verify;

/// <summary>How a transition's proof stands, for a person.</summary>
public enum ProofState { Verified, Pending, DoesNotVerify, NotChecked }

/// <summary>What a transition means to a person: its response code, its proof in words, and the link to check it oneself.</summary>
public static class TransitionWords
{
    /// <summary>"02 — received (WCO response code)" for customs; the bare code elsewhere.</summary>
    public static string? ResponseCode(string service, string? code) =>
        code is null ? null
        : service == "customs" && CustomsVocabulary.ResponseCodes.TryGetValue(code, out var meaning) ? $"{code} — {meaning} (WCO response code)"
        : code;

    public static ProofState State(AnchorView anchor) => anchor switch
    {
        { Status: "pending" } => ProofState.Pending,
        { ProofValid: true, RootOnChain: true } => ProofState.Verified,
        { ProofValid: true, RootOnChain: null } => ProofState.NotChecked,
        _ => ProofState.DoesNotVerify,
    };

    /// <summary>The proof's standing in one sentence, from what the history API reports.</summary>
    public static string Proof(AnchorView anchor) => State(anchor) switch
    {
        ProofState.Pending => "pending anchoring: not yet on chain",
        ProofState.Verified => $"anchored in block {anchor.BlockNumber}, transaction {anchor.TransactionHash} — verified against the chain",
        ProofState.NotChecked => $"anchored in block {anchor.BlockNumber}, transaction {anchor.TransactionHash} — not checked: {anchor.Verdict}",
        _ => $"does not verify: {anchor.Verdict}",
    };

    public static string When(long unixMs) => Display.Time(unixMs);

    /// <summary>The verifier's address with one transition's JSON prefilled (base64url, so it survives any URL).</summary>
    public static string VerifyLink(string transitionJson) => "/verify?proof=" + Base64Url(Encoding.UTF8.GetBytes(transitionJson)) + "#proof";

    /// <summary>The JSON a verify link carries, or null when the parameter is not one.</summary>
    public static string? FromLink(string? parameter)
    {
        if (string.IsNullOrEmpty(parameter) || parameter.Length > 4 * TransitionProofChecker.MaxLength) return null;
        try
        {
            var base64 = parameter.Replace('-', '+').Replace('_', '/');
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
        }
        catch (FormatException) { return null; }
    }

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        // Quotes and non-ASCII letters as they are, not as \u0022: the reader compares it with what the history showed.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>A transition's JSON laid out for reading (unchanged when it is not JSON: the checker then says why).</summary>
    public static string Readable(string json)
    {
        try { return System.Text.Json.Nodes.JsonNode.Parse(json)?.ToJsonString(Indented) ?? json; }
        catch (System.Text.Json.JsonException) { return json; }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
