using System.Diagnostics;
using System.Net.Sockets;

namespace TradeChain.AppHost;

/// <summary>
/// The Erlang port mapper on a RabbitMQ node's epmd port (AMQP port + 20010, <see cref="RabbitMq"/>): what the model and
/// the tests use to find and stop one an earlier run left behind.
/// </summary>
public static class Epmd
{
    /// <summary>
    /// <c>epmd -port P -kill</c>: stops the epmd on the port if no node is registered with it (a running node's epmd is
    /// left alone). Bounded: something other than epmd on the port may take the connection and never answer. Returns
    /// what epmd answered ("Killed", "Killing not allowed - living nodes in database", …) or why there was no answer.
    /// </summary>
    public static string Kill(int port)
    {
        try
        {
            using var epmd = Process.Start(new ProcessStartInfo("epmd", ["-port", port.ToString(), "-kill"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            }) ?? throw new InvalidOperationException("could not run epmd -kill");
            var (output, error) = (epmd.StandardOutput.ReadToEndAsync(), epmd.StandardError.ReadToEndAsync());
            if (epmd.WaitForExit(TimeSpan.FromSeconds(5))) return (output.Result + error.Result).Trim();
            epmd.Kill();
            return "no answer within 5 s";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"epmd could not be run: {e.Message}";
        }
    }

    /// <summary>Whether something accepts TCP connections on 127.0.0.1:<paramref name="port"/> now.</summary>
    public static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
