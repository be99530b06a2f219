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
        }
        Assert.Equal([0, 1], parities.Order());
        Assert.True(shortR, "no signature with a leading zero byte in r or s was covered");
    }

    [Fact]
    public void A_key_that_is_not_32_bytes_is_refused() =>
        Assert.Throws<ArgumentException>(() => new TransactionSigner("0x1234", DevelopmentAccounts.ChainId));
}
