using System.Numerics;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Model;
using Nethereum.Signer;
using TradeChain.Ledger;

namespace TradeChain.UnitTests;

/// <summary>The secp256k1 signer produces, byte for byte, the transactions Nethereum's own (BouncyCastle) signer produces.</summary>
public sealed class TransactionSignerTests
{
    private const string To = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

    public static TheoryData<string> Keys => new() { DevelopmentAccounts.DocumentsKey, DevelopmentAccounts.DeployerKey, PartyWallets.DevelopmentKey("BNK-VCB") };

    [Theory]
    [MemberData(nameof(Keys))]
    public void The_address_is_the_one_Nethereum_derives(string key) =>
        Assert.Equal(new Nethereum.Web3.Accounts.Account(key).Address, new TransactionSigner(key, DevelopmentAccounts.ChainId).Address);

    [Theory]
    [MemberData(nameof(Keys))]
    public void Signed_transactions_equal_Nethereums_byte_for_byte(string key)
    {
        var signer = new TransactionSigner(key, DevelopmentAccounts.ChainId);
        var reference = new Transaction1559Signer();
        var parities = new HashSet<int>();
        var shortR = false;
        // Enough transactions to cover both y parities and an r or s with a leading zero byte (about 1 in 128 signatures).
        for (var nonce = 0; nonce < 400; nonce++)
        {
            var data = nonce % 3 == 0 ? null : "0xa9059cbb" + new string((char)('0' + nonce % 10), 128);
            BigInteger value = nonce % 5 == 0 ? BigInteger.Pow(10, 18) + nonce : 0;
            var mine = signer.Sign(nonce, 1_000_000_000 + nonce, 3_000_000_000, 21_000 + nonce * 7, To, value, data);
            var transaction = new Transaction1559(DevelopmentAccounts.ChainId, nonce, 1_000_000_000 + nonce, 3_000_000_000, 21_000 + nonce * 7, To, value,
                data ?? "0x", []);
            var theirs = reference.SignTransaction(new EthECKey(key), transaction).EnsureHexPrefix();

            Assert.Equal(theirs, mine.Raw);
            Assert.Equal(Nethereum.Util.TransactionUtils.CalculateTransactionHash(theirs).EnsureHexPrefix(), mine.Hash);
            Assert.Equal(nonce, mine.Nonce);
            var decoded = (Transaction1559)TransactionFactory.CreateTransaction(mine.Raw);
            parities.Add(decoded.Signature.V.Length == 0 ? 0 : decoded.Signature.V[0]);
            shortR |= decoded.Signature.R.Length < 32 || decoded.Signature.S.Length < 32;
            Assert.Equal(signer.Address, decoded.GetSenderAddress(), StringComparer.OrdinalIgnoreCase);
            Assert.Equal(signer.Address, DecodedTransaction.Decode(mine.Raw).Signer); // recovered by libsecp256k1, checksummed
        }
        Assert.Equal([0, 1], parities.Order());
        Assert.True(shortR, "no signature with a leading zero byte in r or s was covered");
    }

    [Fact]
    public void A_key_that_is_not_32_bytes_is_refused() =>
        Assert.Throws<ArgumentException>(() => new TransactionSigner("0x1234", DevelopmentAccounts.ChainId));

    [Theory]
    [MemberData(nameof(Keys))]
    public void The_signer_recovered_of_an_altered_signature_is_another_account_the_one_Nethereum_recovers(string key)
    {
        var signer = new TransactionSigner(key, DevelopmentAccounts.ChainId);
        var others = 0;
        for (var nonce = 0; nonce < 40; nonce++)
        {
            var transaction = (Transaction1559)TransactionFactory.CreateTransaction(signer.Sign(nonce, 1_000_000_000, 3_000_000_000, 60_000, To, 0, "0xa9059cbb" + nonce.ToString("x64")).Raw);
            var signature = transaction.Signature;
            var parity = signature.V.Length == 0 ? 0 : signature.V[0];
            // The other y parity: the same r and s name another public key (or none).
            transaction.SetSignature(new Signature(signature.R, signature.S, [(byte)(1 - parity)]));
            var altered = transaction.GetRLPEncoded().ToHex(true);
            string? theirs;
            try { theirs = TransactionVerificationAndRecovery.GetSenderAddress(altered); }
            catch (Exception) { theirs = null; }
            if (theirs is null)
            {
                Assert.Throws<PartySignatureException>(() => DecodedTransaction.Decode(altered));
                continue;
            }
            var recovered = DecodedTransaction.Decode(altered).Signer;
            Assert.Equal(theirs, recovered, StringComparer.OrdinalIgnoreCase);
            Assert.NotEqual(signer.Address, recovered, StringComparer.OrdinalIgnoreCase);
            others++;
        }
        Assert.True(others > 30, $"only {others} altered signatures recovered to an account");
    }

    [Fact]
    public void A_signature_with_r_zero_or_a_y_parity_of_two_has_no_signer()
    {
        var signer = new TransactionSigner(DevelopmentAccounts.DocumentsKey, DevelopmentAccounts.ChainId);
        var transaction = (Transaction1559)TransactionFactory.CreateTransaction(signer.Sign(0, 1_000_000_000, 3_000_000_000, 21_000, To, 0, null).Raw);
        var signature = transaction.Signature;
        transaction.SetSignature(new Signature([0], signature.S, signature.V));
        Assert.Throws<PartySignatureException>(() => DecodedTransaction.Decode(transaction.GetRLPEncoded().ToHex(true)));
        transaction.SetSignature(new Signature(signature.R, signature.S, [2]));
        Assert.Throws<PartySignatureException>(() => DecodedTransaction.Decode(transaction.GetRLPEncoded().ToHex(true)));
    }

    [Fact]
    public void A_signature_with_the_high_s_of_the_same_signer_is_refused()
    {
        var signer = new TransactionSigner(DevelopmentAccounts.DocumentsKey, DevelopmentAccounts.ChainId);
        var transaction = (Transaction1559)TransactionFactory.CreateTransaction(signer.Sign(3, 1_000_000_000, 3_000_000_000, 21_000, To, 0, null).Raw);
        var signature = transaction.Signature;
        var order = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);
        var highS = (order - new BigInteger(signature.S, isUnsigned: true, isBigEndian: true)).ToByteArray(isUnsigned: true, isBigEndian: true);
        var parity = signature.V.Length == 0 ? 0 : signature.V[0];
        transaction.SetSignature(new Signature(signature.R, highS, [(byte)(1 - parity)]));
        var malleated = transaction.GetRLPEncoded().ToHex(true);
        Assert.Equal(signer.Address, TransactionVerificationAndRecovery.GetSenderAddress(malleated), StringComparer.OrdinalIgnoreCase); // the same signer, another hash
        Assert.Contains("EIP-2", Assert.Throws<PartySignatureException>(() => DecodedTransaction.Decode(malleated)).Message);
    }
}
