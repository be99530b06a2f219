namespace TradeChain.Messages;

/// <summary>
/// Resolves message types by their stable name, so the outbox can store a message and publish it later
/// without keeping assembly-qualified names in the database.
/// </summary>
public static class MessageTypes
{
    private static readonly Dictionary<string, Type> ByName = typeof(MessageTypes).Assembly
        .GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false, Namespace: "TradeChain.Messages" } && t != typeof(MessageTypes))
        .ToDictionary(t => t.Name, StringComparer.Ordinal);

    public static string NameOf(Type type) =>
        ByName.TryGetValue(type.Name, out var known) && known == type
            ? type.Name
            : throw new ArgumentException($"{type.FullName} is not a TradeChain message type.", nameof(type));

    public static Type Resolve(string name) =>
        ByName.TryGetValue(name, out var type)
            ? type
            : throw new InvalidOperationException($"Unknown message type '{name}'.");
}
