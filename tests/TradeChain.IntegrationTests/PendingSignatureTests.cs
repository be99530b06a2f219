using System.Net;
using System.Text.Json.Nodes;
using TradeChain.Ledger;
using TradeChain.Payments.Domain;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using Xunit.Abstractions;
using static TradeChain.IntegrationTests.Infrastructure.Api;
using static TradeChain.IntegrationTests.PartySigningTests;

namespace TradeChain.IntegrationTests;

/// <summary>
/// A step one party asks for that needs the chain signature of another party, which signs itself: the beneficiary
/// accepts an amendment whose escrow adjustment the self-signing issuing bank must sign. The step waits (202) in the
/// bank's queue of pending signatures; the bank — and nobody else — lists it, signs it with its own key and submits it
/// (a signature gone stale is prepared again; the wallet's sent transaction is taken by its hash); the escrow moves on
/// chain and the credit in the service. On the real services, anvil and RabbitMQ.
/// </summary>
public sealed class PendingSignatureTests(ITestOutputHelper output)
{
    private const string Importer = "IMP-HAMBURG-ROASTERS";
    private const string Exporter = "EXP-SAIGON-COFFEE";
    private const string OtherBank = "BNK-VCB";

    [Fact]
    public async Task An_amendment_the_self_signing_issuing_bank_must_sign_waits_for_its_signature_and_completes_once_it_signs()
    {
        await using var rig = await Rig.StartAsync();
        var (system, payments, bankKey, bankAddress, selfSignedBank, credit) = (rig.System, rig.Payments, rig.BankKey, rig.BankAddress, rig.SelfSignedBank, rig.Credit);
        var (importer, exporter, bank, vcb, bankAsTrader) = (rig.Applicant, rig.Beneficiary, rig.Bank, rig.Vcb, rig.BankAsTrader);
        await Post(bank, new Uri(credit, "amendments"), new { terms = new { amount = 50_000m }, reason = "price increase agreed" });

        // The beneficiary accepts: the escrow's adjustment is the bank's transaction, which only the bank can sign — 202, awaiting it.
        var (status, awaiting) = await Send(exporter, HttpMethod.Post, new Uri(credit, "amendments/1/accept"));
        Assert.True(status == HttpStatusCode.Accepted, $"{(int)status}: {awaiting}");
        Assert.Equal("awaiting-signature", awaiting!["status"]!.GetValue<string>());
        Assert.Equal(selfSignedBank, awaiting["party"]!.GetValue<string>());
        var id = awaiting["pendingSignatureId"]!.GetValue<string>();
        // Asked again: the same pending signature, nothing sent or saved twice; the credit is as it was until the bank signs.
        var (again, awaitingAgain) = await Send(exporter, HttpMethod.Post, new Uri(credit, "amendments/1/accept"));
        Assert.Equal((HttpStatusCode.Accepted, id), (again, awaitingAgain!["pendingSignatureId"]!.GetValue<string>()));
        var unchanged = await Get(exporter, credit);
        Assert.Equal("proposed", unchanged["amendments"]![0]!["status"]!.GetValue<string>());
        Assert.Equal(48_000m, unchanged["terms"]!["amount"]!.GetValue<decimal>());

        // Nobody but the bank sees or signs it: another bank, the beneficiary (404: it does not exist for them); the bank's
        // party in another role (403).
        var signature = new Uri(payments, $"signatures/{id}");
        foreach (var other in new[] { vcb, exporter })
        {
            Assert.Empty((await Send(other, HttpMethod.Get, new Uri(payments, "signatures/pending?all=true"))).Body!.AsArray());
            Assert.Equal(HttpStatusCode.NotFound, (await Send(other, HttpMethod.Get, signature)).Status);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(bankAsTrader, HttpMethod.Get, signature)).Status);

        // The bank's queue: the adjustment to sign, in eth_signTransaction's shape, from the bank's account.
        var (listed, list) = await Send(bank, HttpMethod.Get, new Uri(payments, "signatures/pending"));
        Assert.Equal(HttpStatusCode.OK, listed);
        var pending = Assert.Single(list!.AsArray())!.AsObject();
        output.WriteLine(pending.ToJsonString());
        Assert.Equal((id, "awaiting", Exporter), (pending["id"]!.GetValue<string>(), pending["status"]!.GetValue<string>(), pending["requestedBy"]!.GetValue<string>()));
        var transaction = pending["transaction"]!.AsObject();
        Assert.Equal(bankAddress, transaction["from"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(system.Chain.Deployment.Settlement["USD"].Escrow, transaction["to"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);

        // Another party cannot sign it, even with the bank's own signature.
        var signed = Sign(transaction, bankKey);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(vcb, HttpMethod.Post, signature, new { signedTransaction = signed })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(bankAsTrader, HttpMethod.Post, signature, new { signedTransaction = signed })).Status);

        // Signed by another account (VCB's public development key): refused naming the field, nothing sent.
        var byAnother = transaction.DeepClone().AsObject();
        byAnother["from"] = new TransactionSigner(DevelopmentBankKeys.KeyOf(OtherBank), DevelopmentAccounts.ChainId).Address;
        var (refused, refusal) = await Send(bank, HttpMethod.Post, signature, new { signedTransaction = Sign(byAnother, DevelopmentBankKeys.KeyOf(OtherBank)) });
        Assert.True(refused == HttpStatusCode.BadRequest, $"{(int)refused}: {refusal}");
        Assert.Contains($"not by {selfSignedBank}'s account", refusal!["errors"]!["signedTransaction"]![0]!.GetValue<string>());
        Assert.Equal(9_600m, await ChainBalanceAsync(importer, payments));

        // Meanwhile the bank's account sends another transaction (a deposit of 100): the signature is stale — nothing is
        // sent, and the transaction is prepared again on the account's next nonce.
        await SignedStepAsync(bank, new Uri(payments, $"accounts/{Importer}/USD/deposits"), new { amount = 100m, reference = "DEP-Q-2" }, bankKey);
        var (stale, restated) = await Send(bank, HttpMethod.Post, signature, new { signedTransaction = signed });
        Assert.True(stale == HttpStatusCode.Conflict, $"{(int)stale}: {restated}");
        Assert.Equal("signed-transaction-stale", restated!["rule"]!.GetValue<string>());
        var fresh = restated["transaction"]!.AsObject();
        Assert.NotEqual(transaction["nonce"]!.GetValue<string>(), fresh["nonce"]!.GetValue<string>());
        Assert.Equal(transaction["data"]!.GetValue<string>(), fresh["data"]!.GetValue<string>()); // the same call
        Assert.Equal(9_700m, await ChainBalanceAsync(importer, payments));

        // The bank's wallet sends the new one itself (as browser wallets do) and gives its hash: the amendment is taken — on
        // chain (the escrow pulled 52,500 − 50,400) and in the service.
        var chain = new Nethereum.Web3.Web3(system.Chain.RpcUrl);
        var hash = await chain.Eth.Transactions.SendRawTransaction.SendRequestAsync(Sign(fresh, bankKey));
        var (completed, done) = await Send(bank, HttpMethod.Post, signature, new { sentTransaction = hash });
        for (var i = 0; i < 30 && done?["rule"]?.GetValue<string>() == "transaction-pending"; i++)
        {
            await Task.Delay(500);
            (completed, done) = await Send(bank, HttpMethod.Post, signature, new { sentTransaction = hash });
        }
        Assert.True(completed == HttpStatusCode.OK, $"{(int)completed}: {done}");
        Assert.Equal("completed", done!["status"]!.GetValue<string>());
        Assert.Equal(hash, done["transactionHash"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        var amended = await Get(exporter, credit);
        Assert.Equal("accepted", amended["amendments"]![0]!["status"]!.GetValue<string>());
        Assert.Equal(50_000m, amended["terms"]!["amount"]!.GetValue<decimal>());
        var account = await Get(importer, new Uri(payments, $"accounts/{Importer}/USD"));
        Assert.Equal((7_600m, 7_600m), (account["balance"]!.GetValue<decimal>(), account["chainBalance"]!.GetValue<decimal>()));
        Assert.Contains(account["entries"]!.AsArray(), e => string.Equals(e!["transactionHash"]!.GetValue<string>(), hash, StringComparison.OrdinalIgnoreCase));

        // Submitted again (the hash, or the stale signature): the same result, nothing sent or booked twice; nothing awaits any more.
        foreach (var submission in new object[] { new { sentTransaction = hash }, new { signedTransaction = signed } })
        {
            var (resubmitted, same) = await Send(bank, HttpMethod.Post, signature, submission);
            Assert.Equal((HttpStatusCode.OK, "completed", hash), (resubmitted, same!["status"]!.GetValue<string>(), same["transactionHash"]!.GetValue<string>()));
        }
        Assert.Equal(7_600m, await ChainBalanceAsync(importer, payments));
        Assert.Empty((await Send(bank, HttpMethod.Get, new Uri(payments, "signatures/pending"))).Body!.AsArray());
        Assert.Equal("completed", Assert.Single((await Send(bank, HttpMethod.Get, new Uri(payments, "signatures/pending?all=true"))).Body!.AsArray())!["status"]!.GetValue<string>());
        // And the beneficiary's accept, asked again, is the decision taken: the credit as it now is.
        var (decided, _) = await Send(exporter, HttpMethod.Post, new Uri(credit, "amendments/1/accept"));
        Assert.Equal(HttpStatusCode.Conflict, decided); // no-such-amendment: decided already
    }

    [Fact]
    public async Task An_earlier_adjustment_between_the_same_amounts_cannot_complete_a_newer_amendment_by_its_hash_or_its_signed_bytes()
    {
        await using var rig = await Rig.StartAsync();
        // Amendment 1: 48,000 → 50,000 (the escrow 50,400 → 52,500), signed by the bank and taken.
        var first = await rig.AwaitingAmendmentAsync(1, 50_000m);
        var firstSigned = await rig.SignPendingAsync(first);
        var (firstStatus, firstDone) = await rig.SubmitAsync(first, new { signedTransaction = firstSigned });
        Assert.True(firstStatus == HttpStatusCode.OK, $"{(int)firstStatus}: {firstDone}");
        var firstHash = firstDone!["transactionHash"]!.GetValue<string>();
        Assert.Equal(7_500m, await rig.ImporterChainBalanceAsync());
        // Amendment 2: back to 48,000 (a decrease, which the beneficiary approves on chain as it accepts), signed and taken.
        var second = await rig.AwaitingAmendmentAsync(2, 48_000m);
        var (secondStatus, secondDone) = await rig.SubmitAsync(second, new { signedTransaction = await rig.SignPendingAsync(second) });
        Assert.True(secondStatus == HttpStatusCode.OK, $"{(int)secondStatus}: {secondDone}");
        Assert.Equal(9_600m, await rig.ImporterChainBalanceAsync());

        // Amendment 3: 50,000 again — exactly amendment 1's call (adjust to 52,500), which the chain mined long ago.
        var third = await rig.AwaitingAmendmentAsync(3, 50_000m);
        Assert.Equal((await Get(rig.Bank, first))["transaction"]!["data"]!.GetValue<string>(), (await Get(rig.Bank, third))["transaction"]!["data"]!.GetValue<string>());
        // Amendment 1's transaction, by its hash or its signed bytes, is not amendment 3's adjustment: refused, nothing recorded.
        foreach (var replay in new object[] { new { sentTransaction = firstHash }, new { signedTransaction = firstSigned } })
        {
            var (refused, refusal) = await Send(rig.Bank, HttpMethod.Post, third, replay);
            Assert.True(refused == HttpStatusCode.Conflict && refusal!["rule"]!.GetValue<string>() == "transaction-not-this-adjustment", $"{(int)refused}: {refusal}");
            Assert.Equal("awaiting", (await Get(rig.Bank, third))["status"]!.GetValue<string>());
        }
        var credit = await Get(rig.Beneficiary, rig.Credit);
        Assert.Equal((48_000m, "proposed"), (credit["terms"]!["amount"]!.GetValue<decimal>(), credit["amendments"]![2]!["status"]!.GetValue<string>()));
        Assert.Equal(9_600m, await rig.ImporterChainBalanceAsync());

        // The bank's own signature of amendment 3 takes it.
        var (thirdStatus, thirdDone) = await rig.SubmitAsync(third, new { signedTransaction = await rig.SignPendingAsync(third) });
        Assert.True(thirdStatus == HttpStatusCode.OK, $"{(int)thirdStatus}: {thirdDone}");
        Assert.NotEqual(firstHash, thirdDone!["transactionHash"]!.GetValue<string>());
        Assert.Equal(7_500m, await rig.ImporterChainBalanceAsync());
    }

    [Fact]
    public async Task A_signature_claimed_before_a_crash_stays_submitting_within_its_grace_then_is_resolved_from_the_chain_awaited_again_if_never_sent_completed_if_mined()
    {
        await using var rig = await Rig.StartAsync();
        var signature = await rig.AwaitingAmendmentAsync(1, 50_000m);
        var id = signature.Segments[^1];

        // Claimed (saved before sending) a moment ago, its transaction not in the node yet: a read cannot tell a submission
        // still sending it from one that stopped, so it stays "being submitted" for the claim's grace.
        await ClaimAsync(rig, id, "0x" + new string('1', 64), DateTimeOffset.UtcNow);
        var (_, sending) = await Send(rig.Bank, HttpMethod.Get, signature);
        Assert.True(sending!["status"]!.GetValue<string>() == "submitting", sending.ToJsonString());

        // Claimed, and the service stopped before its transaction reached the node: read once the grace has passed, the
        // chain does not know it — nothing moved, and the signature is awaited again.
        await ClaimAsync(rig, id, "0x" + new string('1', 64));
        var (_, unsent) = await Send(rig.Bank, HttpMethod.Get, signature);
        Assert.True(unsent!["status"]!.GetValue<string>() == "awaiting" && unsent["transactionHash"] is null, unsent.ToJsonString());
        Assert.Equal(9_600m, await rig.ImporterChainBalanceAsync());

        // Claimed and sent, and the service stopped before it recorded the result: read, it is completed from the chain.
        var raw = await rig.SignPendingAsync(signature);
        var hash = await new Nethereum.Web3.Web3(rig.System.Chain.RpcUrl).Eth.Transactions.SendRawTransaction.SendRequestAsync(raw);
        await ClaimAsync(rig, id, hash);
        var read = await Get(rig.Bank, signature);
        for (var i = 0; i < 30 && read["status"]!.GetValue<string>() == "submitting"; i++)
        {
            await Task.Delay(500);
            read = await Get(rig.Bank, signature);
        }
        Assert.Equal(("completed", hash), (read["status"]!.GetValue<string>(), read["transactionHash"]!.GetValue<string>()));
        Assert.Equal(50_000m, (await Get(rig.Beneficiary, rig.Credit))["terms"]!["amount"]!.GetValue<decimal>());
        // The same signature submitted again: that result, nothing sent or booked twice.
        var (again, same) = await rig.SubmitAsync(signature, new { signedTransaction = raw });
        Assert.Equal((HttpStatusCode.OK, "completed", hash), (again, same!["status"]!.GetValue<string>(), same["transactionHash"]!.GetValue<string>()));
        Assert.Equal(7_500m, await rig.ImporterChainBalanceAsync());
    }

    [Fact]
    public async Task Only_the_beneficiary_is_answered_and_its_reject_while_its_accept_awaits_is_taken_withdrawing_its_approval_on_chain()
    {
        await using var rig = await Rig.StartAsync();
        // A decrease to 45,000 (the escrow 50,400 → 47,250): the beneficiary's approval goes on chain as it accepts.
        var signature = await rig.AwaitingAmendmentAsync(1, 45_000m);
        var accept = new Uri(rig.Credit, "amendments/1/accept");
        // Another party to the credit is refused before anything of the queue is answered.
        var (byImporter, refusal) = await Send(rig.Applicant, HttpMethod.Post, accept);
        Assert.True(byImporter == HttpStatusCode.Conflict && refusal!["rule"]!.GetValue<string>() == "beneficiary-only", $"{(int)byImporter}: {refusal}");

        // The beneficiary rejects while its accept awaits the bank: the reject is taken, the pending signature overtaken.
        var (rejected, credit) = await Send(rig.Beneficiary, HttpMethod.Post, new Uri(rig.Credit, "amendments/1/reject"));
        Assert.True(rejected == HttpStatusCode.OK, $"{(int)rejected}: {credit}");
        Assert.Equal(("rejected", 48_000m), (credit!["amendments"]![0]!["status"]!.GetValue<string>(), credit["terms"]!["amount"]!.GetValue<decimal>()));
        var overtaken = await Get(rig.Bank, signature);
        Assert.Equal("overtaken", overtaken["status"]!.GetValue<string>());
        Assert.False(await AbandonmentDueAsync(rig, signature.Segments[^1])); // abandoned by the request itself: nothing left for the sweep

        // The bank, signing itself, sends the adjustment it was given straight to the chain: the beneficiary's approval
        // was withdrawn, so the escrow refuses it and the credit keeps its amount.
        Assert.Equal(0, await rig.SendStraightAsync(Sign(overtaken["transaction"]!.AsObject(), rig.BankKey)));
        Assert.Equal(9_600m, await rig.ImporterChainBalanceAsync());
    }

    [Fact]
    public async Task A_signature_that_expired_without_its_approval_withdrawn_before_a_crash_has_it_withdrawn_by_the_sweep_even_behind_a_row_that_fails()
    {
        await using var rig = await Rig.StartAsync(abandonmentSweepSeconds: "1");
        // A decrease to 45,000: the beneficiary's approval goes on chain as it accepts, and the bank's signature is awaited.
        var signature = await rig.AwaitingAmendmentAsync(1, 45_000m);
        var awaiting = await Get(rig.Bank, signature);

        // The expiry saved, and the service stopped before it withdrew the approval (written straight to the database, as
        // the crash leaves it): nobody reads the credit or the signature afterwards. Ahead of it in the sweep's order, an
        // older due row whose abandonment fails every time (a step kind this version does not know).
        await ExpireAsInACrashAsync(rig, signature.Segments[^1]);
        var broken = Guid.NewGuid().ToString().ToUpperInvariant();
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={rig.System.DatabasePath("payments")}"))
        {
            await db.OpenAsync();
            await using var copy = db.CreateCommand();
            copy.CommandText = "CREATE TEMP TABLE broken AS SELECT * FROM pending_signatures WHERE upper(Id) = upper($id); " +
                               "UPDATE broken SET Id = $broken, Kind = 'no-such-step', ClosedAtUnixMs = ClosedAtUnixMs - 600000; " +
                               "INSERT INTO pending_signatures SELECT * FROM broken;";
            copy.Parameters.AddWithValue("$id", signature.Segments[^1]);
            copy.Parameters.AddWithValue("$broken", broken);
            await copy.ExecuteNonQueryAsync();
        }
        for (var i = 0; i < 60 && await AbandonmentDueAsync(rig, signature.Segments[^1]); i++) await Task.Delay(500);
        Assert.False(await AbandonmentDueAsync(rig, signature.Segments[^1]), "the sweep did not abandon the expired signature's step");
        Assert.True(await AbandonmentDueAsync(rig, broken)); // the failing one stays due, tried again next round

        // The bank, signing itself, sends the adjustment it was given straight to the chain: the approval is gone, so the
        // escrow refuses it and the credit keeps its amount.
        Assert.Equal(0, await rig.SendStraightAsync(Sign(awaiting["transaction"]!.AsObject(), rig.BankKey)));
        Assert.Equal(9_600m, await rig.ImporterChainBalanceAsync());
    }

    [Fact]
    public async Task The_sweep_leaves_alone_an_approval_that_a_later_decision_of_the_same_credit_sent_and_the_bank_completes_that_decision()
    {
        await using var rig = await Rig.StartAsync(abandonmentSweepSeconds: "5");
        // A decrease to 45,000 accepted (the beneficiary's approval on chain); its signature expires in a crash, its
        // abandonment still due.
        var first = await rig.AwaitingAmendmentAsync(1, 45_000m);
        await ExpireAsInACrashAsync(rig, first.Segments[^1]);

        // The beneficiary accepts again: a new pending signature, with an approval of its own sent on chain (the escrow keeps
        // one per credit: it replaced the first).
        var (again, awaiting) = await Send(rig.Beneficiary, HttpMethod.Post, new Uri(rig.Credit, "amendments/1/accept"));
        Assert.True(again == HttpStatusCode.Accepted, $"{(int)again}: {awaiting}");
        var second = new Uri(rig.Payments, $"signatures/{awaiting!["pendingSignatureId"]!.GetValue<string>()}");

        // The sweep finishes the first one's abandonment — without withdrawing the approval the second decision relies on.
        for (var i = 0; i < 60 && await AbandonmentDueAsync(rig, first.Segments[^1]); i++) await Task.Delay(500);
        Assert.False(await AbandonmentDueAsync(rig, first.Segments[^1]), "the sweep did not abandon the expired signature's step");

        // The bank signs the second: the escrow takes the decrease (50,400 → 47,250 held), the amendment is accepted.
        var (status, completed) = await rig.SubmitAsync(second, new { signedTransaction = await rig.SignPendingAsync(second) });
        Assert.True(status == HttpStatusCode.OK && completed!["status"]!.GetValue<string>() == "completed", $"{(int)status}: {completed}");
        Assert.Equal(9_600m + 3_150m, await rig.ImporterChainBalanceAsync());
        Assert.Equal(45_000m, (await Get(rig.Beneficiary, rig.Credit))["terms"]!["amount"]!.GetValue<decimal>());
    }

    /// <summary>The signature saved expired with its abandonment due, and nothing after (written straight to the database, as a crash leaves it).</summary>
    private static async Task ExpireAsInACrashAsync(Rig rig, string id)
    {
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={rig.System.DatabasePath("payments")}");
        await db.OpenAsync();
        await using var expire = db.CreateCommand();
        expire.CommandText = "UPDATE pending_signatures SET Status = 'Expired', Outcome = 'expired (test)', ClosedAtUnixMs = $at, AbandonmentDue = 1, " +
                             "Version = Version + 1 WHERE upper(Id) = upper($id) AND Status = 'Awaiting'";
        expire.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        expire.Parameters.AddWithValue("$id", id);
        Assert.Equal(1, await expire.ExecuteNonQueryAsync());
    }

    private static async Task<bool> AbandonmentDueAsync(Rig rig, string id)
    {
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={rig.System.DatabasePath("payments")};Mode=ReadOnly");
        await db.OpenAsync();
        await using var read = db.CreateCommand();
        read.CommandText = "SELECT AbandonmentDue FROM pending_signatures WHERE upper(Id) = upper($id)";
        read.Parameters.AddWithValue("$id", id);
        return Convert.ToInt64(await read.ExecuteScalarAsync()) == 1;
    }

    [Fact]
    public async Task A_credit_names_the_signature_its_amendment_waits_for_while_awaited_and_being_submitted_and_no_longer_once_taken()
    {
        await using var rig = await Rig.StartAsync();
        Assert.True((await Get(rig.Beneficiary, rig.Credit))["pendingSignature"] is null); // nothing waits yet
        var signature = await rig.AwaitingAmendmentAsync(1, 50_000m);
        var id = signature.Segments[^1];

        // Every party to the credit reads whose signature its amendment waits for; the bank reads its pending signature's id to sign it.
        foreach (var party in new[] { rig.Beneficiary, rig.Applicant, rig.Bank })
        {
            var pending = (await Get(party, rig.Credit))["pendingSignature"]!;
            Assert.Equal((id, rig.SelfSignedBank, "awaiting", Exporter), (pending["id"]!.GetValue<string>(), pending["party"]!.GetValue<string>(),
                pending["status"]!.GetValue<string>(), pending["requestedBy"]!.GetValue<string>()));
            Assert.Contains("amendment 1", pending["purpose"]!.GetValue<string>());
        }
        // Nobody else: the credit does not exist for another bank, and so neither does what it waits for.
        Assert.Equal(HttpStatusCode.NotFound, (await Send(rig.Vcb, HttpMethod.Get, rig.Credit)).Status);

        // The bank signs while the chain mines nothing: its transaction is claimed and sent, and the credit says it is being submitted.
        var raw = await rig.SignPendingAsync(signature);
        var awaitingVersion = (await Get(rig.Bank, signature))["version"]!.GetValue<int>();
        var chain = new Nethereum.Web3.Web3(rig.System.Chain.RpcUrl);
        await chain.Client.SendRequestAsync<object?>("evm_setAutomine", null, false);
        Task<(HttpStatusCode Status, JsonNode? Body)> submitting;
        JsonNode submittedView;
        Task<(HttpStatusCode Status, JsonNode? Body)> followed;
        using var patientBank = Client(Roles.Bank, rig.SelfSignedBank);
        patientBank.Timeout = TimeSpan.FromMinutes(2);
        try
        {
            submitting = Send(patientBank, HttpMethod.Post, signature, new { signedTransaction = raw });
            // Read once the node holds it (a read of the signature or of the credit between the claim and the send finds the
            // node without it and awaits it again).
            var pendingCount = chain.Eth.Transactions.GetTransactionCount;
            for (var i = 0; i < 100 && (await pendingCount.SendRequestAsync(rig.BankAddress, Nethereum.RPC.Eth.DTOs.BlockParameter.CreatePending())).Value
                     == (await pendingCount.SendRequestAsync(rig.BankAddress, Nethereum.RPC.Eth.DTOs.BlockParameter.CreateLatest())).Value; i++)
                await Task.Delay(100);
            submittedView = await Poll(rig.Beneficiary, rig.Credit, c => c["pendingSignature"]?["status"]?.GetValue<string>() == "submitting");
            Assert.Equal(id, submittedView["pendingSignature"]!["id"]!.GetValue<string>());
            Assert.Equal("proposed", submittedView["amendments"]![0]!["status"]!.GetValue<string>()); // not taken before the chain has it
            var claimed = await Get(rig.Bank, signature);
            Assert.Equal("submitting", claimed["status"]!.GetValue<string>());
            Assert.True(claimed["version"]!.GetValue<int>() > awaitingVersion);
            // The bank's page follows it by long-poll: asked after the version it shows, answered once it moves on.
            followed = Send(patientBank, HttpMethod.Get, new Uri(signature, $"?afterVersion={claimed["version"]}&waitSeconds=25"));
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.False(followed.IsCompleted, "the long-poll answered before the signature moved");
        }
        finally
        {
            await chain.Client.SendRequestAsync<object?>("evm_setAutomine", null, true);
            await chain.Client.SendRequestAsync<object?>("evm_mine", null);
        }

        // Mined: the amendment is taken, the long-poll answers with it completed, and the credit waits for nothing any more.
        var (status, completed) = await submitting;
        Assert.True(status == HttpStatusCode.OK, $"{(int)status}: {completed}");
        var (followedStatus, followedView) = await followed;
        Assert.Equal((HttpStatusCode.OK, "completed"), (followedStatus, followedView!["status"]!.GetValue<string>()));
        var taken = await Get(rig.Beneficiary, rig.Credit);
        Assert.Equal("accepted", taken["amendments"]![0]!["status"]!.GetValue<string>());
        Assert.True(taken["pendingSignature"] is null, taken.ToJsonString());
        // A long-poll asked with bad parameters is refused naming them.
        var (refused, problem) = await Send(rig.Bank, HttpMethod.Get, new Uri(signature, "?waitSeconds=5"));
        Assert.True(refused == HttpStatusCode.BadRequest && problem!["errors"]!["afterVersion"] is not null, $"{(int)refused}: {problem}");
    }

    [Fact]
    public async Task A_signature_whose_submission_ended_unrecorded_is_resolved_from_the_chain_when_the_credit_is_read_without_its_signature_being_read()
    {
        await using var rig = await Rig.StartAsync();
        var signature = await rig.AwaitingAmendmentAsync(1, 50_000m);
        var id = signature.Segments[^1];

        // Claimed, and its request ended before the transaction reached the node: the beneficiary's read of the credit finds
        // the chain without it — nothing moved, and the signature is awaited again (so its decision is open again).
        await ClaimAsync(rig, id, "0x" + new string('2', 64));
        var unsent = await Get(rig.Beneficiary, rig.Credit);
        Assert.True(unsent["pendingSignature"]?["status"]?.GetValue<string>() == "awaiting", unsent.ToJsonString());
        Assert.Equal("proposed", unsent["amendments"]![0]!["status"]!.GetValue<string>());

        // Signed and sent while the chain mines nothing, and its request ended before it recorded the result: while the node
        // holds it, the credit says it is being submitted; once mined, the credit's read takes the step — nobody reads /signatures.
        var raw = await rig.SignPendingAsync(signature);
        var chain = new Nethereum.Web3.Web3(rig.System.Chain.RpcUrl);
        await chain.Client.SendRequestAsync<object?>("evm_setAutomine", null, false);
        string hash;
        try
        {
            hash = await chain.Eth.Transactions.SendRawTransaction.SendRequestAsync(raw);
            await ClaimAsync(rig, id, hash);
            var held = await Get(rig.Beneficiary, rig.Credit);
            Assert.Equal(("submitting", "proposed"), (held["pendingSignature"]?["status"]?.GetValue<string>(), held["amendments"]![0]!["status"]!.GetValue<string>()));
        }
        finally
        {
            await chain.Client.SendRequestAsync<object?>("evm_setAutomine", null, true);
            await chain.Client.SendRequestAsync<object?>("evm_mine", null);
        }
        var taken = await Get(rig.Beneficiary, rig.Credit);
        Assert.True(taken["pendingSignature"] is null, taken.ToJsonString());
        Assert.Equal(("accepted", 50_000m), (taken["amendments"]![0]!["status"]!.GetValue<string>(), taken["terms"]!["amount"]!.GetValue<decimal>()));
        var completed = await Get(rig.Bank, signature);
        Assert.Equal(("completed", hash), (completed["status"]!.GetValue<string>(), completed["transactionHash"]!.GetValue<string>()));
        Assert.Equal(7_500m, await rig.ImporterChainBalanceAsync()); // the escrow moved once
    }

    [Fact]
    public async Task After_a_pending_signature_expires_the_beneficiary_can_ask_again_and_gets_a_new_one()
    {
        await using var rig = await Rig.StartAsync(signatureLifetime: "00:00:02");
        var first = await rig.AwaitingAmendmentAsync(1, 50_000m);
        // Nobody reads it meanwhile (a read would save it expired itself): the beneficiary's request finds it lapsed.
        await Task.Delay(TimeSpan.FromSeconds(3));

        // Asked again: a new pending signature (the expired one saved expired first, not in the way of the new one).
        var (again, awaiting) = await Send(rig.Beneficiary, HttpMethod.Post, new Uri(rig.Credit, "amendments/1/accept"));
        Assert.True(again == HttpStatusCode.Accepted, $"{(int)again}: {awaiting}");
        Assert.NotEqual(first.Segments[^1], awaiting!["pendingSignatureId"]!.GetValue<string>());
        Assert.Equal("expired", (await Get(rig.Bank, first))["status"]!.GetValue<string>());
        Assert.False(await AbandonmentDueAsync(rig, first.Segments[^1])); // abandoned by the request that found it expired
    }

    /// <summary>
    /// What a submission saves before it sends (the claim), written straight to the payments database: as a crash right
    /// after it leaves it — claimed <paramref name="claimedAt"/>, by default longer ago than the claim's grace.
    /// </summary>
    private static async Task ClaimAsync(Rig rig, string id, string hash, DateTimeOffset? claimedAt = null)
    {
        var at = claimedAt ?? DateTimeOffset.UtcNow - PendingSignature.ClaimGrace - TimeSpan.FromSeconds(1);
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={rig.System.DatabasePath("payments")}");
        await db.OpenAsync();
        await using var claim = db.CreateCommand();
        claim.CommandText = "UPDATE pending_signatures SET Status = 'Submitting', TransactionHash = $hash, ClaimedAtUnixMs = $at, Version = Version + 1 WHERE upper(Id) = upper($id) AND Status IN ('Awaiting', 'Submitting')";
        claim.Parameters.AddWithValue("$hash", hash);
        claim.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        claim.Parameters.AddWithValue("$id", id);
        Assert.Equal(1, await claim.ExecuteNonQueryAsync());
    }

    /// <summary>
    /// A running system with a self-signing issuing bank (its key here), the importer banking with it and the exporter
    /// with VCB, and a credit of 48,000 USD (+5 %) the bank issued: 9,600 of the importer's 60,000 left outside escrow.
    /// </summary>
    private sealed record Rig(TradeChainSystem System, Uri Payments, string BankKey, string BankAddress, string SelfSignedBank, Uri Credit,
        HttpClient Applicant, HttpClient Beneficiary, HttpClient Bank, HttpClient Vcb, HttpClient BankAsTrader) : IAsyncDisposable
    {
        public static async Task<Rig> StartAsync(string? signatureLifetime = null, string? abandonmentSweepSeconds = null)
        {
            var selfSignedBank = "BNK-SELF-" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
            var bankKey = Nethereum.Signer.EthECKey.GenerateKey().GetPrivateKey();
            var bankAddress = new TransactionSigner(bankKey, DevelopmentAccounts.ChainId).Address;
            var system = await TradeChainSystem.StartAsync(configure: (service, process) =>
            {
                if (service is "payments" or "documents") process.SetSetting($"Parties:SelfSigned:{selfSignedBank}", bankAddress);
                if (service is "payments" && signatureLifetime is not null) process.SetSetting("Payments:PendingSignatureLifetime", signatureLifetime);
                if (service is "payments" && abandonmentSweepSeconds is not null) process.SetSetting("Payments:SignatureAbandonmentSweepSeconds", abandonmentSweepSeconds);
            });
            await OnboardBankAsync(system, bankAddress, "USD");
            var payments = system.Payments.BaseAddress;
            var importer = Client(Roles.Exporter, Importer);
            var exporter = Client(Roles.Exporter, Exporter);
            var bank = Client(Roles.Bank, selfSignedBank);
            var vcb = Client(Roles.Bank, OtherBank);
            var bankAsTrader = Client(Roles.Exporter, selfSignedBank); // the right party in a role the signature is not for

            // The importer banks with the self-signing bank (each of the bank's own steps signed in its own request); the
            // exporter with VCB, whose key the service holds (Development).
            await Post(importer, new Uri(payments, "accounts/mandates"), new { bank = selfSignedBank, currency = "USD" });
            await SignedStepAsync(bank, new Uri(payments, "accounts"), new { party = Importer, currency = "USD" }, bankKey);
            await SignedStepAsync(bank, new Uri(payments, $"accounts/{Importer}/USD/deposits"), new { amount = 60_000m, reference = "DEP-Q-1" }, bankKey);
            await Post(exporter, new Uri(payments, "accounts/mandates"), new { bank = OtherBank, currency = "USD" });
            await Post(vcb, new Uri(payments, "accounts"), new { party = Exporter, currency = "USD" });

            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            var applied = await Post(importer, new Uri(payments, "credits"), new
            {
                beneficiary = Exporter, issuingBank = selfSignedBank,
                terms = new
                {
                    currency = "USD", amount = 48_000m, tolerancePercent = 5m, expiryDate = today.AddDays(45), expiryPlaceCountry = "VN",
                    latestShipmentDate = today.AddDays(20), partialShipmentsAllowed = true, applicantName = "Hamburg Roasters GmbH",
                    beneficiaryName = "Saigon Coffee JSC", portOfLoading = "VNSGN", portOfDischarge = "DEHAM", goodsDescription = "Robusta green coffee beans grade 1",
                    requiredDocuments = new object[] { new { type = "commercial-invoice", matchFields = new[] { "amount", "currency" } } },
                },
            });
            var credit = new Uri(payments, $"credits/{applied["id"]}/");
            await SignedStepAsync(bank, new Uri(credit, "issue"), new { }, bankKey);
            Assert.Equal(9_600m, await ChainBalanceAsync(importer, payments)); // 60,000 − 48,000 × 1.05 in escrow
            return new Rig(system, payments, bankKey, bankAddress, selfSignedBank, credit, importer, exporter, bank, vcb, bankAsTrader);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var client in new[] { Applicant, Beneficiary, Bank, Vcb, BankAsTrader }) client.Dispose();
            await System.DisposeAsync();
        }

        /// <summary>The bank proposes amendment <paramref name="number"/> to <paramref name="amount"/>; the beneficiary accepts: the pending signature's id (202).</summary>
        public async Task<Uri> AwaitingAmendmentAsync(int number, decimal amount)
        {
            await Post(Bank, new Uri(Credit, "amendments"), new { terms = new { amount }, reason = $"amendment {number}" });
            var (status, awaiting) = await Send(Beneficiary, HttpMethod.Post, new Uri(Credit, $"amendments/{number}/accept"));
            Assert.True(status == HttpStatusCode.Accepted, $"{(int)status}: {awaiting}");
            return new Uri(Payments, $"signatures/{awaiting!["pendingSignatureId"]!.GetValue<string>()}");
        }

        /// <summary>The bank's signature of the pending transaction as it now stands.</summary>
        public async Task<string> SignPendingAsync(Uri signature) => Sign((await Get(Bank, signature))["transaction"]!.AsObject(), BankKey);

        /// <summary>Submits until the answer is no longer transaction-pending.</summary>
        public async Task<(HttpStatusCode Status, JsonNode? Body)> SubmitAsync(Uri signature, object submission)
        {
            var answer = await Send(Bank, HttpMethod.Post, signature, submission);
            for (var i = 0; i < 30 && answer.Body?["rule"]?.GetValue<string>() == "transaction-pending"; i++)
            {
                await Task.Delay(500);
                answer = await Send(Bank, HttpMethod.Post, signature, submission);
            }
            return answer;
        }

        public Task<decimal> ImporterChainBalanceAsync() => ChainBalanceAsync(Applicant, Payments);

        /// <summary>Sends a signed transaction straight to the chain (past the service), and its receipt's status once mined (1 succeeded, 0 reverted).</summary>
        public async Task<int> SendStraightAsync(string raw)
        {
            var chain = new Nethereum.Web3.Web3(System.Chain.RpcUrl);
            var hash = await chain.Eth.Transactions.SendRawTransaction.SendRequestAsync(raw);
            var receipt = await chain.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash);
            for (var i = 0; i < 30 && receipt is null; i++)
            {
                await Task.Delay(200);
                receipt = await chain.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash);
            }
            return (int)(receipt ?? throw new TimeoutException($"transaction {hash} not mined")).Status.Value;
        }
    }

    /// <summary>A step of a party that signs itself: 409 with the transaction to sign, then the same request with its signature.</summary>
    private static async Task<JsonNode?> SignedStepAsync(HttpClient party, Uri uri, object body, string key)
    {
        var (status, problem) = await Send(party, HttpMethod.Post, uri, body);
        Assert.True(status == HttpStatusCode.Conflict && problem!["rule"]!.GetValue<string>() == "signature-required", $"{(int)status}: {problem}");
        var (signedStatus, result) = await SendSigned(party, uri, body, Sign(problem["transaction"]!.AsObject(), key));
        Assert.True(signedStatus is HttpStatusCode.OK or HttpStatusCode.Created, $"{(int)signedStatus}: {result}");
        return result;
    }

    private static async Task<decimal> ChainBalanceAsync(HttpClient holder, Uri payments) =>
        (await Get(holder, new Uri(payments, $"accounts/{Importer}/USD")))["chainBalance"]!.GetValue<decimal>();
}
