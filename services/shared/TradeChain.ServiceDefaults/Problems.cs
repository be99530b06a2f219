using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TradeChain.Domain;

namespace TradeChain.ServiceDefaults;

/// <summary>RFC 9457 problem details for every refusal, naming the field or rule.</summary>
public static class Problems
{
    /// <summary>The problem type of a broken business rule, however it reaches the client.</summary>
    public const string RuleType = "https://tradechain.dev/problems/rule";

    /// <summary>400 with every failing field at once: errors[field] = rules broken.</summary>
    public static IResult Validation(params (string Field, string Rule)[] errors) =>
        Results.ValidationProblem(
            errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Rule).ToArray()),
            title: "The request is not valid.",
            type: "https://tradechain.dev/problems/validation");

    public static IResult Validation(IReadOnlyList<(string Field, string Rule)> errors) => Validation(errors.ToArray());

    /// <summary>A request that could not be read (its encoding, its JSON, its size): the field or header and the rule, like <see cref="Validation(ValueTuple{string, string}[])"/>.</summary>
    public static IResult Unreadable(int status, string title, string field, string rule, string ruleName) =>
        Results.Problem(statusCode: status, title: title, detail: $"{field}: {rule}", type: UnreadableType,
            extensions: new Dictionary<string, object?> { ["rule"] = ruleName, ["errors"] = new Dictionary<string, string[]> { [field] = [rule] } });

    /// <summary>The problem type of a request that could not be read.</summary>
    public const string UnreadableType = "https://tradechain.dev/problems/unreadable";

    public static IResult NotFound(string what, string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found.", detail: $"No {what} '{id}' that you may see.",
            type: "https://tradechain.dev/problems/not-found");
}

/// <summary>Maps the exceptions that reach the pipeline to problem details: bad JSON is a 400, a broken rule a 409.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail, rule) = Describe(exception, context.RequestAborted.IsCancellationRequested);
        if (status >= 500) logger.LogError(exception, "Unhandled exception");
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable) context.Response.Headers.RetryAfter = "2";
        var extensions = new Dictionary<string, object?>();
        if (rule is not null) extensions["rule"] = rule;
        if (rule == "readable-json") extensions["errors"] = new Dictionary<string, string[]> { [UnreadableField(exception)] = [detail] };
        if (rule == "readable-parameter" && exception is BadHttpRequestException bad && UnboundParameter(bad) is { } parameter)
            extensions["errors"] = new Dictionary<string, string[]> { [parameter.Name] = [detail] };
        if (exception is TradeChain.Ledger.PartySignatureRequiredException signing)
        {
            extensions["transaction"] = TradeChain.Ledger.SigningRequest.Of(signing.Transaction, signing.Address, $"a chain transaction of {signing.Party} for this step");
            // Whose signature: usually the caller's own party, but a step may need another party's that signs itself (a holder's mandate).
            extensions["party"] = signing.Party;
        }
        if (exception is TradeChain.Ledger.PartySignatureException signed) extensions["errors"] = new Dictionary<string, string[]> { [signed.Field] = [exception.Message] };
        if (exception is TradeChain.Ledger.RemoteSignerException) logger.LogWarning(exception, "A remote signer did not sign");
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail, Extensions = extensions, Type = exception is DomainRuleViolation ? Problems.RuleType : rule is "readable-json" or "readable-parameter" ? Problems.UnreadableType : null },
        });
    }

    /// <summary>
    /// What a failure means to the client: its status, title, detail and rule (null for an unexpected failure, a 500) — the
    /// problem this handler writes for it, also used where one request answers for many records each on its own (a bulk
    /// request's items).
    /// </summary>
    /// <param name="callerAborted">Whether the caller went away (a cancellation is then not a timeout of a dependency).</param>
    public static (int Status, string Title, string Detail, string? Rule) Describe(Exception exception, bool callerAborted) =>
        exception switch
        {
            // A route or query value that is not of its parameter's type (?page=abc), or a required one missing: 400 naming the
            // parameter and what it must be.
            BadHttpRequestException bad when UnboundParameter(bad) is { } parameter => (bad.StatusCode, "The request could not be read.",
                parameter.Value is { } sent ? (OutOfRange(parameter.Type, sent) is { } bound
                        ? $"{parameter.Name} must be a whole number {bound}; \"{Shown(sent)}\" is out of range."
                        : $"{parameter.Name} must be {Expected(parameter.Type)}; \"{Shown(sent)}\" is not.")
                    : $"{parameter.Name} is required: {Expected(parameter.Type)}.", (string?)"readable-parameter"),
            // A body the endpoint could not bind (bad JSON, a wrong type, a repeated key, an invalid string): 400 naming the field.
            BadHttpRequestException bad => (bad.StatusCode, "The request could not be read.", bad.InnerException?.Message ?? bad.Message, (string?)"readable-json"),
            JsonException or DecoderFallbackException => (StatusCodes.Status400BadRequest, "The request could not be read.", exception.Message, "readable-json"),
            DomainRuleViolation violation => (StatusCodes.Status409Conflict, "The operation breaks a business rule.", violation.Message, violation.Rule),
            TradeChain.Ledger.ChainRevertedException refused => (StatusCodes.Status409Conflict, "The contract refused the transaction.", refused.Error, refused.Rule),
            Microsoft.EntityFrameworkCore.DbUpdateException => (StatusCodes.Status409Conflict, "The record changed meanwhile.",
                "Another request changed the same record at the same time; read it again and retry.", "concurrent-change"),
            TradeChain.Ledger.PartySignatureException signature => (StatusCodes.Status400BadRequest, signature.Subject + " is not accepted.",
                signature.Subject + " " + signature.Message, signature.Rule),
            TradeChain.Ledger.PartySignatureRequiredException required => (StatusCodes.Status409Conflict, "Your signature is needed.", required.Message, "signature-required"),
            TradeChain.Ledger.RemoteSignerException => (StatusCodes.Status502BadGateway, "The party's signer did not sign.",
                "The remote signer holding the acting party's key refused or failed to sign this step; nothing was sent. Its operator's logs say why.", "remote-signer"),
            TradeChain.Ledger.UnknownPartyAccountException party => (StatusCodes.Status409Conflict, "The party has no chain account.", party.Message, "party-account"),
            TradeChain.Ledger.ChainTransactionsPendingException => (StatusCodes.Status503ServiceUnavailable, "A transaction is waiting to be mined.",
                "The chain has not mined an earlier transaction of the same account that this step waits on (perhaps this very step, sent by an earlier attempt), so whether the contract refuses the step is not known yet; nothing more was sent. Try again shortly: the retry finds it done or does it.",
                "earlier-transaction-pending"),
            TradeChain.Ledger.ChainOutcomeUnknownException => (StatusCodes.Status503ServiceUnavailable, "A dependency is unavailable.",
                "What became of this step on chain could not be read yet; try again shortly: the retry finds it done or does it.", "chain-outcome-unknown"),
            Chain.ChainIndexBehindException => (StatusCodes.Status503ServiceUnavailable, "A dependency is unavailable.",
                "The service's index of the chain has not caught up with the chain yet; try again shortly.", "dependency-unavailable"),
            // The node refused a transaction as sent (e.g. a party's own signed one gone stale: nonce used, fee too low).
            Nethereum.JsonRpc.Client.RpcResponseException node => (StatusCodes.Status409Conflict, "The chain node refused the transaction.",
                $"{node.RpcError?.Message ?? "refused"}: the step was not taken. If you signed the transaction yourself, prepare it again and sign the new one.", "node-refused"),
            // The chain did not mine (or answer) in time, after the writer's attempts: the step may still be made, and a retry
            // finds it done (every chain step is idempotent on its reference) or does it. The caller is still there.
            OperationCanceledException or TimeoutException when !callerAborted =>
                (StatusCodes.Status503ServiceUnavailable, "A dependency is unavailable.",
                    "The chain did not answer or mine in time; a step already sent may still be made. Try again shortly: the retry finds it done or does it.", "dependency-timeout"),
            // The database refused for now (at its connection limit, busy past the timeout, unreachable): nothing was saved by
            // this request's failed command; a retry in a moment does it. Not a 500 — the request was right, the store full.
            _ when TransientDatabaseFailure(exception) =>
                (StatusCodes.Status503ServiceUnavailable, "A dependency is unavailable.",
                    "The database is at capacity or unreachable for the moment; try again shortly.", "dependency-unavailable"),
            HttpRequestException or Nethereum.JsonRpc.Client.RpcClientUnknownException or Nethereum.JsonRpc.Client.RpcClientTimeoutException =>
                (StatusCodes.Status503ServiceUnavailable, "A dependency is unavailable.", "The chain node or another service could not be reached; try again shortly.", "dependency-unavailable"),
            _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred.", "The failure was logged with this trace id.", null),
        };

    /// <summary>
    /// A database failure that a retry may not meet (the provider says so: PostgreSQL at max_connections, a connection
    /// pool exhausted or a server unreachable, SQLite busy or locked past the write-lock wait), or EF Core's retries spent on one.
    /// </summary>
    internal static bool TransientDatabaseFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is System.Data.Common.DbException { IsTransient: true } or Microsoft.EntityFrameworkCore.Storage.RetryLimitExceededException) return true;
        return false;
    }

    /// <summary>
    /// The parameter a route or query value could not be bound to, as ASP.NET Core's request delegate says it
    /// (<c>Failed to bind parameter "int? page" from "abc".</c>, <c>Required parameter "int page" was not provided from query
    /// string.</c>): its type, its name and the value sent (null: none was); null for any other unreadable request (a body).
    /// </summary>
    internal static (string Type, string Name, string? Value)? UnboundParameter(BadHttpRequestException bad) =>
        bad.InnerException is not null ? null
        : BindFailure.Match(bad.Message) is { Success: true } m ? (m.Groups["type"].Value, m.Groups["name"].Value, m.Groups["value"].Value)
        : RequiredMissing.Match(bad.Message) is { Success: true } r ? (r.Groups["type"].Value, r.Groups["name"].Value, null)
        : null;

    private const string TypeAndName = @"""(?<type>[^""]*?)\s*(?<name>[A-Za-z_][A-Za-z0-9_]*)""";

    private static readonly System.Text.RegularExpressions.Regex BindFailure = new($@"^Failed to bind parameter {TypeAndName} from ""(?<value>.*)""\.$",
        System.Text.RegularExpressions.RegexOptions.Singleline | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static readonly System.Text.RegularExpressions.Regex RequiredMissing = new($@"^Required parameter {TypeAndName} was not provided from (query string|route|header)\.$",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// For a whole number too large (or small) for its parameter's type — "99999999999" for an int is a whole number, just
    /// not one the parameter holds — the bound it broke, in words; else null. (The parameter's own rules, such as a page
    /// number's, come after binding.)
    /// </summary>
    private static string? OutOfRange(string type, string sent)
    {
        if (sent.Length is 0 or > 400 || !System.Text.RegularExpressions.Regex.IsMatch(sent, @"\A[+-]?[0-9]+\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)) return null;
        var (min, max) = BareType(type) switch
        {
            "int" or "Int32" => ((System.Numerics.BigInteger)int.MinValue, (System.Numerics.BigInteger)int.MaxValue),
            "long" or "Int64" => (long.MinValue, long.MaxValue),
            "short" or "Int16" => (short.MinValue, short.MaxValue),
            _ => (System.Numerics.BigInteger.Zero, System.Numerics.BigInteger.MinusOne),
        };
        if (min > max) return null;
        var value = System.Numerics.BigInteger.Parse(sent, System.Globalization.CultureInfo.InvariantCulture);
        return value > max ? $"no larger than {max}" : value < min ? $"no smaller than {min}" : null;
    }

    private static string BareType(string type) => type.StartsWith("Nullable<", StringComparison.Ordinal) && type.EndsWith('>') ? type[9..^1] : type.TrimEnd('?');

    /// <summary>What a value of a parameter's type is, in words.</summary>
    private static string Expected(string type) => BareType(type) switch
    {
        "int" or "long" or "short" or "Int32" or "Int64" or "Int16" => "a whole number",
        "decimal" or "double" or "float" or "Decimal" or "Double" or "Single" => "a number",
        "Guid" => "a UUID (e.g. 0f8fad5b-d9cb-469f-a165-70867728950e)",
        "bool" or "Boolean" => "true or false",
        "DateTimeOffset" or "DateTime" => "a date and time (ISO 8601)",
        _ => "a valid value", // no internal type name in the answer
    };

    /// <summary>
    /// A value sent, as the problem repeats it: at most 64 characters (never half a surrogate pair), control and format
    /// characters (line breaks, escapes, bidirectional overrides) each shown as '?'.
    /// </summary>
    private static string Shown(string value)
    {
        var cut = value.Length <= 64 ? value : value[..(char.IsHighSurrogate(value[63]) ? 63 : 64)];
        var shown = string.Create(cut.Length, cut, (span, text) =>
        {
            for (var i = 0; i < text.Length; i++)
                span[i] = char.IsControl(text[i]) || char.GetUnicodeCategory(text[i]) is System.Globalization.UnicodeCategory.Format
                    or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator ? '?' : text[i];
        });
        return cut.Length < value.Length ? shown + "…" : shown;
    }

    /// <summary>The field an unreadable body names: the JSON path where reading stopped, else the body as a whole.</summary>
    private static string UnreadableField(Exception exception) =>
        (exception as JsonException ?? exception.InnerException as JsonException) is { Path: { } path } ? RequestReading.FieldOf(path) : "body";
}
