namespace TradeChain.Console.Services.Signing;

/// <summary>
/// A step of a party that signs its own transactions, stopped before anything was sent: the API answered 409
/// <c>signature-required</c> with the step's transaction for the party's account. The same request, sent again with the
/// party's signature of it (<see cref="ServiceApi.PostSignedAsync{T}"/>), takes the step.
/// </summary>
/// <param name="Scope">Where on the page the step was asked for (its signing panel shows there).</param>
/// <param name="Path">The step's request path.</param>
/// <param name="Body">The step's request body, sent again unchanged.</param>
/// <param name="Transaction">What to sign.</param>
/// <param name="Party">Whose signature the step needs (the API names it): the caller's own party, or one it cannot sign for.</param>
public sealed record StepToSign(string Scope, string Path, object? Body, UnsignedTransaction Transaction, string? Party)
{
    /// <summary>The step to sign when <paramref name="problem"/> asks for a party's signature; null for any other answer.</summary>
    public static StepToSign? From(ApiProblem? problem, string scope, string path, object? body) =>
        problem?.Rule == "signature-required" && UnsignedTransaction.AskedBy(problem) is { } transaction
            ? new StepToSign(scope, path, body, transaction, problem.Body?["party"]?.GetValue<string>())
            : null;
}
