using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using RabbitMQ.Client;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Cli;

/// <summary>
/// <c>tradechain replay-errors</c>: puts the messages of error queues (<c>&lt;queue&gt;_error</c>, where a message lands
/// after failing every redelivery) back on their queues, so that their consumers try them again — once the cause is
/// fixed. Each message keeps its body, MessageId and headers (the consumers' inbox makes a replay of something already
/// handled change nothing); the fault description MassTransit added and the redelivery count are removed, so a replayed
/// message gets the whole retry and redelivery schedule again. Moves only the messages present when it starts, each
/// acknowledged in the error queue only after the broker confirmed it on the queue: nothing is lost if it stops halfway.
/// </summary>
public static class ReplayErrorsCommand
{
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> options, TextWriter output)
    {
        var broker = new Uri(options.GetValueOrDefault("broker", "amqp://guest:guest@127.0.0.1:5672/"));
        var queues = options.TryGetValue("queue", out var named)
            ? named.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(q => q.EndsWith("_error", StringComparison.Ordinal) ? q[..^"_error".Length] : q).ToList()
            : await ErrorQueuesAsync(broker, new Uri(options.GetValueOrDefault("management", $"http://{broker.Host}:15672/")));

        var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = "tradechain replay-errors" };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var total = 0;
        foreach (var queue in queues)
        {
            var replayed = await ReplayAsync(channel, queue);
            output.WriteLine($"{queue}_error: {replayed} message(s) put back on {queue}");
            total += replayed;
        }
        output.WriteLine($"replayed {total} message(s) from {queues.Count} error queue(s)");
        return 0;
    }

    private static async Task<int> ReplayAsync(IChannel channel, string queue)
    {
        var waiting = (await channel.QueueDeclarePassiveAsync(queue + "_error")).MessageCount;
        var replayed = 0;
        for (; replayed < waiting; replayed++)
        {
            if (await channel.BasicGetAsync(queue + "_error", autoAck: false) is not { } message) break;
            var properties = new BasicProperties(message.BasicProperties)
            {
                Headers = message.BasicProperties.Headers?.Where(h => !IsFaultHeader(h.Key)).ToDictionary(h => h.Key, h => h.Value),
            };
            // Mandatory and confirmed: a queue that no longer exists fails the command instead of dropping the message.
            await channel.BasicPublishAsync("", queue, mandatory: true, properties, message.Body.ToArray());
            await channel.BasicAckAsync(message.DeliveryTag, multiple: false);
        }
        return replayed;
    }

    /// <summary>What describes the failure rather than the message: MassTransit's fault headers, the redelivery count, the broker's expiry records.</summary>
    private static bool IsFaultHeader(string key) =>
        key.StartsWith("MT-Fault-", StringComparison.Ordinal) || key is "MT-Reason" || key == Redelivery.CountHeader || Redelivery.IsDeathHeader(key);

    /// <summary>The error queues of the broker URL's virtual host that hold messages, from the management API (with the URL's credentials).</summary>
    private static async Task<List<string>> ErrorQueuesAsync(Uri broker, Uri management)
    {
        var vhost = broker.AbsolutePath.Trim('/') is { Length: > 0 } path ? Uri.UnescapeDataString(path) : "/";
        var credentials = broker.UserInfo.Length > 0 ? Uri.UnescapeDataString(broker.UserInfo) : "guest:guest";
        using var http = new HttpClient { BaseAddress = management, Timeout = TimeSpan.FromSeconds(15) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        var queues = await http.GetFromJsonAsync<List<QueueInfo>>($"api/queues/{Uri.EscapeDataString(vhost)}?columns=name,messages") ?? [];
        return queues.Where(q => q.Name.EndsWith("_error", StringComparison.Ordinal) && q.Messages > 0)
            .Select(q => q.Name[..^"_error".Length]).Order(StringComparer.Ordinal).ToList();
    }

    private sealed record QueueInfo(string Name, int Messages);
}
