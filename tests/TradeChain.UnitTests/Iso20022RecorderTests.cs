using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using TradeChain.Payments.Consumers;
using TradeChain.Payments.Infrastructure;

namespace TradeChain.UnitTests;

/// <summary>A settlement's ISO 20022 messages, recorded once each when they can be written, none when they cannot.</summary>
public sealed class Iso20022RecorderTests
{
    private static MovementReport Report(string debtorAddress = "0x1111111111111111111111111111111111111111") => new(
        "DUTY-ISO-1", "DUTY-ISO-1", 1234.50m, "USD", "EXP-ISO", debtorAddress, "BNK-VCB", "CUSTOMS-TREASURY",
        "0x2222222222222222222222222222222222222222", "BNK-VCB", "0x" + new string('a', 64), "Customs duties, payment DUTY-ISO-1");

    [Fact]
    public async Task A_settlement_s_messages_are_recorded_once_each_and_none_when_one_cannot_be_written()
    {
        await using var database = await PaymentsDatabase.CreateAsync(x => x.AddConsumer<DutyPaymentRequestedConsumer>());
        var iso = new Iso20022Recorder(new FakeTimeProvider(DateTimeOffset.Parse("2026-12-05T05:00:00Z")));

        // Writable: the interbank pacs.008 and a camt.054 to each account holder and its bank, as Record writes them.
        Assert.Null(iso.Problem(Report()));
        var recorded = await database.WithDbAsync(async db =>
        {
            Assert.True(iso.TryRecord(db, Report()));
            await db.SaveChangesAsync();
            return await db.Messages.AsNoTracking().OrderBy(m => m.MessageType).ThenBy(m => m.Party).ToListAsync();
        });
        Assert.Equal([("camt.054.001.08", "CUSTOMS-TREASURY,BNK-VCB"), ("camt.054.001.08", "EXP-ISO,BNK-VCB"), ("pacs.008.001.08", "BNK-VCB,BNK-VCB")],
            recorded.Select(m => (m.MessageType, m.Party)));
        Assert.All(recorded, m => Assert.Equal("DUTY-ISO-1", m.Subject));
        Assert.All(recorded, m => Assert.Contains("1234.50", m.Xml));

        // Not writable (the debtor's account is no chain address): nothing recorded, and Problem says why.
        Assert.NotNull(iso.Problem(Report("not-an-address")));
        var after = await database.WithDbAsync(async db =>
        {
            Assert.False(iso.TryRecord(db, Report("not-an-address")));
            Assert.Empty(db.ChangeTracker.Entries());
            await db.SaveChangesAsync();
            return await db.Messages.CountAsync();
        });
        Assert.Equal(3, after);
    }
}
