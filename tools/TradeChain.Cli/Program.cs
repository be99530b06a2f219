using TradeChain.Cli;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;

return await Cli.RunAsync(args);

namespace TradeChain.Cli
{
    public static class Cli
    {
        private const string Usage = """
            tradechain — TradeChain command line

              deploy  [--rpc URL] [--out FILE] [--chain-id N (--deployer-key-env NAME | --deployer-key-file FILE)
                       --customs ADDRESS --documents ADDRESS --payments ADDRESS [--banks 0xA,0xB]]
                                                      deploy the contracts and grant each service account its roles; idempotent
                                                      when FILE names an earlier deployment. A network needs all the bracketed
                                                      options (the key is read from the variable or file, never given itself);
                                                      with none of them: the public development accounts on chain 31337
              onboard --party NAME --role bank|trader --address 0x… --rpc URL --chain-id N
                      (--admin-key-env NAME | --admin-key-file FILE) [--deployment FILE | --tokens USD=0x…,VND=0x…]
                      [--signer-url https://… [--signer-token-env NAME | --no-signer-check]] [--allowlist-rpc URL[,URL…]]
                                                      register a party's own account: a bank gets BANK_ROLE and its own
                                                      account on every settlement token (tokens from the deployment file);
                                                      any party is added to each named Besu node's account allowlist;
                                                      its signer is asked to sign as the address (nothing sent). Idempotent. Prints each transaction and the services' configuration
                                                      for the party's remote signer; exit 3 when a step could not be done
              token   --role ROLE --party PARTY [--subject NAME] [--key KEY]
                                                      mint a development token (roles: customs-officer, exporter, bank, operator)
              verify  FILE [--documents URL] [--role ROLE --party PARTY] [--json]
                                                      verify a wrapped OpenAttestation document through the documents
                                                      service: each check with its reason; exit 0 valid, 3 invalid
              replay-errors [--broker AMQP-URL] [--queue NAME[,NAME…]] [--management URL]
                                                      put the messages of error queues (NAME_error) back on their queues
                                                      after the cause is fixed; without --queue every error queue of the
                                                      URL's virtual host that holds messages (listed by the management API,
                                                      default http://<broker host>:15672/, with the URL's credentials)
              sign    --transaction FILE|- --key-file FILE [--chain-id N] [--out FILE]
                                                      sign, with the party's own key file, a transaction a service prepared
                                                      for it (e.g. POST /duty-payments/REF/settle/transaction, or a 409's
                                                      "transaction") and print the signed transaction to send back; says
                                                      what the call does, decoded here; refuses a key that is not its "from"
              demo    [--customs URL] [--documents URL] [--payments URL]
                                                      drive one export trade through the three services and print each step
            """;

        public static async Task<int> RunAsync(string[] args)
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                Console.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }
            // verify takes the document's path before its options.
            var positional = args[0] == "verify" && args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? args[1] : null;
            var options = ParseOptions(args.Skip(positional is null ? 1 : 2).ToArray());
            try
            {
                switch (args[0])
                {
                    case "deploy":
                        return await DeployCommand.RunAsync(options, Console.Out, Console.Error);
                    case "onboard":
                        return await OnboardCommand.RunAsync(options, Console.Out, Console.Error);
                    case "token":
                        if (!options.TryGetValue("role", out var role) || !options.TryGetValue("party", out var party))
                        {
                            Console.Error.WriteLine("token needs --role and --party");
                            return 2;
                        }
                        var auth = new AuthOptions { SigningKey = options.GetValueOrDefault("key", DevelopmentTokens.DevelopmentSigningKey) };
                        Console.WriteLine(DevelopmentTokens.Mint(auth, options.GetValueOrDefault("subject", party), role, party, TimeSpan.FromHours(8)));
                        return 0;
                    case "verify":
                        return await VerifyCommand.RunAsync(options, positional, Console.Out);
                    case "sign":
                        return await SignCommand.RunAsync(options, Console.Out, Console.Error);
                    case "replay-errors":
                        return await ReplayErrorsCommand.RunAsync(options, Console.Out);
                    case "demo":
                        var demo = new GoldenPath(
                            new Uri(options.GetValueOrDefault("documents", "http://127.0.0.1:5102")),
                            new Uri(options.GetValueOrDefault("customs", "http://127.0.0.1:5101")),
                            new Uri(options.GetValueOrDefault("payments", "http://127.0.0.1:5103")),
                            new AuthOptions { SigningKey = options.GetValueOrDefault("key", DevelopmentTokens.DevelopmentSigningKey) },
                            Console.Out);
                        var result = await demo.RunAsync(CancellationToken.None);
                        Console.WriteLine();
                        Console.WriteLine($"Golden path complete in {result.Elapsed.TotalSeconds:0.0} s: declaration {result.DeclarationId} released; " +
                                          $"{result.History.Count} transitions, all anchored and verified on chain.");
                        return 0;
                    default:
                        Console.Error.WriteLine($"unknown command '{args[0]}'");
                        Console.Error.WriteLine(Usage);
                        return 2;
                }
            }
            catch (Exception e) when (e is HttpRequestException or ApiCallException or ArgumentException or InvalidOperationException or IOException
                                           or RabbitMQ.Client.Exceptions.OperationInterruptedException or RabbitMQ.Client.Exceptions.RabbitMQClientException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        }

        private static Dictionary<string, string> ParseOptions(string[] args)
        {
            var options = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < args.Length; i++)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{args[i]}'");
                // A switch (--json) has no value: the next argument is another option or there is none.
                options[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
            }
            return options;
        }
    }
}
