using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using TradeChain.Domain;
using TradeChain.Payments.Application;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Domain.Credits;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Payments.Infrastructure;

/// <summary>
/// The payments service's database. Made from its options alone so that the service can pool its contexts
/// (<see cref="DatabaseRegistration"/>): the long-poll wake-ups of its records come with the options
/// (<see cref="RecordChangesExtension"/>, <c>UseServiceDatabase(changes:)</c>), absent unless they carry one (tools, tests).
/// </summary>
public sealed class PaymentsDbContext(DbContextOptions<PaymentsDbContext> options) : ServiceDbContext(options, Identity)
{
    /// <summary>The service whose transitions this database records (its name in the transition log and the service's own).</summary>
    public static readonly ServiceIdentity Identity = new("payments");

    public DbSet<DutyPayment> DutyPayments => Set<DutyPayment>();

    public DbSet<DocumentaryCredit> Credits => Set<DocumentaryCredit>();

    public DbSet<SettlementAccount> Accounts => Set<SettlementAccount>();

    public DbSet<LedgerEntry> Entries => Set<LedgerEntry>();

    public DbSet<AccountMandate> Mandates => Set<AccountMandate>();

    /// <summary>Deposits and withdrawals asked by banks' requests, sent by the process that signs for the banks (<see cref="BookingSender"/>).</summary>
    public DbSet<BookingInstruction> BookingInstructions => Set<BookingInstruction>();

    /// <summary>Each holder's balance, kept by the database as entries are inserted (<see cref="AccountBalance"/>): read it, never write it.</summary>
    public DbSet<AccountBalance> Balances => Set<AccountBalance>();

    public DbSet<Iso20022Message> Messages => Set<Iso20022Message>();

    public DbSet<PendingSignature> PendingSignatures => Set<PendingSignature>();

    public DbSet<PartyOnboarding> Onboardings => Set<PartyOnboarding>();

    protected override IEnumerable<object> IntegrationMessagesFor(Aggregate source, IDomainEvent domainEvent) => IntegrationEvents.For(domainEvent);

    /// <summary>What an account's follower (its page, <c>GET /accounts/{party}/{currency}</c>) and the accounts lists wait on.</summary>
    public const string AccountRecordType = "account";

    /// <summary>The key of one account's movements (<see cref="RecordChanges.KeyOf"/>).</summary>
    public static string AccountKey(string party, string currency) => RecordChanges.KeyOf(AccountRecordType, $"{party}/{currency}");

    /// <summary>The key of one account's deposits and withdrawals asked (<c>GET /accounts/{party}/{currency}/instructions</c>): any of them asked, decided or noted failing.</summary>
    public static string InstructionsKey(string party, string currency) => RecordChanges.KeyOf(BookingInstruction.RecordType + "s", $"{party}/{currency}");

    /// <summary>What the mandates lists (<c>GET /accounts/mandates</c>) wait on: a mandate given or moved, or an account opened (a mandate's "account open").</summary>
    public const string MandateRecordType = "mandate";

    /// <summary>
    /// An account's movements are ledger entries, not transitions: a save that books entries wakes the followers of each
    /// account it moves, and the accounts lists; one that opens an account wakes the accounts lists and the mandates lists
    /// (a mandate shows whether its account is open); one that gives or moves a mandate wakes the mandates lists only (a
    /// mandate is not in the accounts lists, so a party changing its mandate back and forth cannot make them read again).
    /// A deposit or withdrawal instruction asked wakes the booking sender, decided wakes the request waiting for it, either
    /// wakes its account's followers (the view gives the account's queued sums), and any change of one (a failed send noted
    /// too) wakes its account's list of instructions.
    /// One pass over the tracked entries (one DetectChanges): this runs at every save.
    /// </summary>
    protected override IEnumerable<string> ChangedWithoutTransition()
    {
        HashSet<(string Party, string Currency)>? moved = null, instructed = null, queueChanged = null;
        List<string>? decided = null;
        bool opened = false, mandated = false, asked = false;
        foreach (var entry in ChangeTracker.Entries())
        {
            switch (entry.Entity)
            {
                case LedgerEntry booked when entry.State == EntityState.Added:
                    (moved ??= []).Add((booked.Party, booked.Currency));
                    break;
                case SettlementAccount when entry.State is EntityState.Added or EntityState.Modified:
                    opened = true;
                    break;
                case AccountMandate when entry.State is EntityState.Added or EntityState.Modified or EntityState.Deleted:
                    mandated = true;
                    break;
                case BookingInstruction instruction when entry.State is EntityState.Added or EntityState.Modified:
                    // Any change (asked, decided, a failed send noted): the account's list of instructions not booked.
                    (instructed ??= []).Add((instruction.Party, instruction.Currency));
                    // Asked (or asked again): the sender wakes. Decided: the request waiting for it. (A failed send noted is neither.)
                    // A cancel asked wakes the sender too: it decides it.
                    if (entry.State == EntityState.Modified && entry.Property(nameof(BookingInstruction.CancelAskedBy)).IsModified && instruction.CancelAskedBy is not null)
                        asked = true;
                    if (entry.State == EntityState.Modified && !entry.Property(nameof(BookingInstruction.Status)).IsModified) break;
                    // Asked or decided: the account's view, which gives its queued deposits and withdrawals (not the lists: they do not).
                    (queueChanged ??= []).Add((instruction.Party, instruction.Currency));
                    if (instruction.Status == BookingInstructionStatus.Queued) asked = true;
                    else (decided ??= []).Add(RecordChanges.KeyOf(BookingInstruction.RecordType, instruction.Id.ToString()));
                    break;
            }
        }
        if (asked) yield return ListChanges.AnyOf(BookingInstruction.RecordType);
        foreach (var key in decided ?? []) yield return key;
        foreach (var (party, currency) in instructed ?? []) yield return InstructionsKey(party, currency);
        foreach (var (party, currency) in moved ?? []) yield return AccountKey(party, currency);
        foreach (var (party, currency) in queueChanged ?? []) if (moved?.Contains((party, currency)) != true) yield return AccountKey(party, currency);
        if (moved is not null || opened) yield return ListChanges.AnyOf(AccountRecordType);
        if (opened || mandated) yield return ListChanges.AnyOf(MandateRecordType);
    }

    /// <summary>
    /// Saves; on PostgreSQL a save that books entries of several holders first takes their balance rows
    /// (<see cref="AccountBalance"/>) in one global order, in its transaction. The balance trigger takes each row as it
    /// inserts the entry, in the order of the entries: a batch of settlements (payer 1, treasury, payer 2, treasury)
    /// and a single settlement of payer 2 (payer 2, treasury) would otherwise each hold a row the other waits for, a
    /// deadlock the server breaks by failing one of them after a second. SQLite has one writer at a time: nothing to order.
    /// </summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        if (!Database.IsNpgsql()) return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        var holders = ChangeTracker.Entries<LedgerEntry>().Where(e => e.State == EntityState.Added)
            .Select(e => (e.Entity.Party, e.Entity.Currency)).Distinct().ToList();
        if (holders.Count < 2) return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        if (Database.CurrentTransaction is not null)
        {
            await LockBalancesAsync(holders, cancellationToken);
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }
        // Its own transaction: the save's rows are accepted, and its records announced (TransactionEndInterceptor), once it
        // commits; no savepoint around the save (a failure rolls the whole transaction back).
        await using var transaction = await Database.BeginTransactionAsync(cancellationToken);
        await LockBalancesAsync(holders, cancellationToken);
        var savepoints = Database.AutoSavepointsEnabled;
        Database.AutoSavepointsEnabled = false;
        int written;
        try { written = await base.SaveChangesAsync(acceptAllChangesOnSuccess: false, cancellationToken); }
        finally { Database.AutoSavepointsEnabled = savepoints; }
        await transaction.CommitAsync(cancellationToken);
        if (acceptAllChangesOnSuccess) ChangeTracker.AcceptAllChanges();
        return written;
    }

    /// <summary>
    /// Takes the holders' balance rows in the order of their (Party, Currency) by byte value (COLLATE "C"), the same for every transaction:
    /// a row made first where a holder has none yet (a zero balance of no entries, as no row means), then every row locked.
    /// </summary>
    private async Task LockBalancesAsync(IReadOnlyList<(string Party, string Currency)> holders, CancellationToken ct)
    {
        var rows = string.Join(", ", holders.Select((_, i) => $"({{{2 * i}}}, {{{2 * i + 1}}})"));
        var values = holders.SelectMany(h => new object[] { h.Party, h.Currency }).ToArray();
        // Only placeholders are put into the text; the parties and currencies go as parameters.
        var sql = $"""
            INSERT INTO account_balances ("Party", "Currency", "BalanceMinor", "EntryCount")
            SELECT p, c, 0, 0 FROM (VALUES {rows}) AS h(p, c) ORDER BY p COLLATE "C", c COLLATE "C"
            ON CONFLICT ("Party", "Currency") DO NOTHING;
            SELECT 1 FROM account_balances WHERE ("Party", "Currency") IN (VALUES {rows})
            ORDER BY "Party" COLLATE "C", "Currency" COLLATE "C" FOR UPDATE;
            """;
        await Database.ExecuteSqlRawAsync(sql, values, ct);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected override void ConfigureDomain(ModelBuilder model)
    {
        model.Entity<DutyPayment>(e =>
        {
            e.ToTable("duty_payments");
            e.HasKey(p => p.Reference);
            e.HasIndex(p => p.DeclarationId);
            e.HasIndex(p => p.PayerParty);
            e.HasIndex(p => new { p.Status, p.SettledByBank }); // the settlement worker's scan for banks with payments Settling
            e.Property(p => p.Status).HasConversion<string>();
            e.Property(p => p.Amount).HasConversion<string>();
            e.Property(p => p.Version).IsConcurrencyToken();
        });
        model.Entity<DocumentaryCredit>(e =>
        {
            e.ToTable("credits");
            e.HasKey(c => c.Id);
            e.HasIndex(c => c.Number).IsUnique();
            e.HasIndex(c => c.ApplicantParty);
            e.HasIndex(c => c.BeneficiaryParty);
            // A bank's credits list (GET /credits) reads those it issued or advises: each party column is indexed, so the
            // count and the page read four indexes instead of every credit.
            e.HasIndex(c => c.IssuingBankParty);
            e.HasIndex(c => c.AdvisingBankParty);
            e.Property(c => c.Status).HasConversion<string>();
            e.Property(c => c.Drawn).HasConversion<string>();
            e.Property(c => c.Terms).HasColumnName("TermsJson").HasConversion(TermsConverter, TermsComparer);
            e.Property(c => c.Version).IsConcurrencyToken();
            e.Property(c => c.Revision).IsConcurrencyToken();
            e.OwnsMany(c => c.Amendments, a =>
            {
                a.ToTable("credit_amendments");
                a.WithOwner().HasForeignKey("CreditId");
                a.HasKey("CreditId", nameof(Amendment.Number));
                a.Property(x => x.Number).ValueGeneratedNever();
                a.Property(x => x.Terms).HasColumnName("TermsJson").HasConversion(TermsConverter, TermsComparer);
                // Stored, and shown by the API, as "proposed", "accepted", "rejected".
                a.Property(x => x.Status).HasConversion(s => s.ToString().ToLowerInvariant(), s => Enum.Parse<AmendmentStatus>(s, true));
            });
            e.Navigation(c => c.Amendments).HasField("_amendments").UsePropertyAccessMode(PropertyAccessMode.Field);
            e.OwnsMany(c => c.Presentations, p =>
            {
                p.ToTable("credit_presentations");
                p.WithOwner().HasForeignKey("CreditId");
                p.HasKey(x => x.Id);
                p.Property(x => x.Id).ValueGeneratedNever();
                p.HasIndex("CreditId", nameof(Presentation.Number)).IsUnique();
                p.Property(x => x.Status).HasConversion<string>();
                p.Property(x => x.AmountClaimed).HasConversion<string>();
                p.Property(x => x.Version).IsConcurrencyToken();
                p.Ignore(x => x.DocumentHashes);
                p.Ignore(x => x.Discrepancies);
                p.OwnsMany<PresentedDocumentReference>("_documents", d =>
                {
                    d.ToTable("credit_presentation_documents");
                    d.WithOwner().HasForeignKey("PresentationId");
                    d.HasKey("PresentationId", nameof(PresentedDocumentReference.Position));
                    d.Property(x => x.Position).ValueGeneratedNever();
                });
                p.OwnsMany<RecordedDiscrepancy>("_discrepancies", d =>
                {
                    d.ToTable("credit_presentation_discrepancies");
                    d.WithOwner().HasForeignKey("PresentationId");
                    d.HasKey("PresentationId", nameof(RecordedDiscrepancy.Position));
                    d.Property(x => x.Position).ValueGeneratedNever();
                });
            });
            e.Navigation(c => c.Presentations).HasField("_presentations").UsePropertyAccessMode(PropertyAccessMode.Field);
        });
        model.Entity<SettlementAccount>(e =>
        {
            e.ToTable("accounts");
            e.HasKey(a => new { a.Party, a.Currency });
            // The accounts a bank keeps (GET /accounts; with those in its own name, read along the key, the page is sorted).
            e.HasIndex(a => new { a.ServicingBank, a.Party, a.Currency });
        });
        model.Entity<AccountMandate>(e =>
        {
            e.ToTable("account_mandates");
            e.HasKey(m => new { m.Party, m.Currency });
            // A bank's mandates (GET /accounts/mandates), in order.
            e.HasIndex(m => new { m.Bank, m.Party, m.Currency });
        });
        model.Entity<BookingInstruction>(e =>
        {
            e.ToTable("booking_instructions");
            e.HasKey(d => d.Id);
            e.Property(d => d.Id).ValueGeneratedNever();
            e.Property(d => d.Kind).HasConversion<string>();
            // One instruction per account, kind and booking reference, as the entry it becomes (and as the chain keys its
            // movement: the token of the account's currency binds the reference in its bank's namespace).
            e.HasIndex(d => new { d.Party, d.Kind, d.Reference, d.Currency }).IsUnique();
            // A concurrency token: a status is written only over the one it was read as (two senders during a change of
            // deployment: a late refusal never overwrites a booking, a late booking of a refused one is saved knowingly).
            e.Property(d => d.Status).HasConversion<string>().IsConcurrencyToken();
            e.Property(d => d.LastFailure).HasMaxLength(BookingInstruction.MaxFailureLength);
            e.Property(d => d.CancelAskedBy).HasMaxLength(BookingInstruction.MaxActorLength);
            // The sender's scan, and a bank's count against its bound (BookOnAccount.MostQueuedPerBank): the queued ones only.
            e.HasIndex(d => d.RequestedAtUnixMs).HasFilter($"\"Status\" = '{nameof(BookingInstructionStatus.Queued)}'");
            e.HasIndex(d => d.Bank).HasFilter($"\"Status\" = '{nameof(BookingInstructionStatus.Queued)}'");
            // An account's instructions not booked (GET …/instructions, newest first) and its queued withdrawals, held back from
            // its funds when another is asked (that query names the filter's term too, so SQLite's planner takes the index).
            e.HasIndex(d => new { d.Party, d.Currency, d.RequestedAtUnixMs }).HasFilter($"\"Status\" <> '{nameof(BookingInstructionStatus.Booked)}'");
        });
        model.Entity<LedgerEntry>(e =>
        {
            // Triggers of migration AccountBalances (hand-written SQL, not in this model) keep account_balances and refuse an
            // UPDATE or DELETE of an entry. A later migration that rebuilds this table (SQLite does so for some column
            // changes) must create them again: MigrationTests checks they exist. The SQLite trigger writes another table
            // only, so EF's RETURNING of the new Id is unaffected.
            e.ToTable("ledger_entries");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.Party, x.Currency, x.Id }); // an account's movements, newest first, a page at a time (GET /accounts/{party}/{currency})
            // One entry per account's movement: a retry cannot book twice. The currency is in the key because the chain has
            // one token per currency: a deposit's or withdrawal's reference is its account's own, so one party's USD and VND
            // accounts — perhaps at two banks — each book under it without waiting on, or refusing, the other. (Duty payments
            // and credits are unique by their own reference elsewhere, in one currency each.)
            e.HasIndex(x => new { x.Kind, x.Reference, x.Party, x.Currency }).IsUnique();
            e.Property(x => x.Kind).HasConversion(k => k.Name(), s => LedgerEntryKinds.Parse(s));
        });
        model.Entity<AccountBalance>(e =>
        {
            // Written by the triggers of migration AccountBalances on ledger_entries, never by the service.
            e.ToTable("account_balances");
            e.HasKey(b => new { b.Party, b.Currency });
        });
        model.Entity<Iso20022Message>(e =>
        {
            e.ToTable("iso20022_messages");
            e.HasKey(m => m.Id);
            e.HasIndex(m => m.Subject);
        });
        model.Entity<SettlementLease>(e =>
        {
            e.ToTable("settlement_leases");
            e.HasKey(l => l.Bank);
        });
        model.Entity<PendingSignature>(e =>
        {
            e.ToTable("pending_signatures");
            e.HasKey(p => p.Id);
            e.Property(p => p.Id).ValueGeneratedNever();
            e.HasIndex(p => new { p.Party, p.Status });
            // One awaiting signature per step: a concurrent second request for the same step finds the first.
            e.HasIndex(p => new { p.Kind, p.Subject }).IsUnique().HasFilter($"\"Status\" = '{nameof(PendingSignatureStatus.Awaiting)}'");
            e.HasIndex(p => p.ClosedAtUnixMs).HasFilter("\"AbandonmentDue\""); // the sweep's scan: only the few still due
            e.Property(p => p.Status).HasConversion<string>();
            e.Property(p => p.Version).IsConcurrencyToken();
        });
        model.Entity<PartyOnboarding>(e =>
        {
            e.ToTable("party_onboardings");
            e.HasKey(o => o.Party);
            e.Property(o => o.Party).HasMaxLength(TradeChain.ServiceDefaults.Auth.PartyNames.MaxLength);
            e.Property(o => o.SignerUrl).HasMaxLength(PartyOnboarding.MaxUrl);
            e.Property(o => o.Version).IsConcurrencyToken();
            e.OwnsMany(o => o.Steps, s =>
            {
                s.ToTable("party_onboarding_steps");
                s.WithOwner().HasForeignKey("Party");
                s.HasKey("Party", nameof(OnboardingStep.Position));
                s.Property(x => x.Position).ValueGeneratedNever();
                s.Property(x => x.Status).HasConversion<string>();
                s.Property(x => x.TransactionJson).HasMaxLength(PartyOnboarding.MaxJson);
                s.Property(x => x.Outcome).HasMaxLength(PartyOnboarding.MaxOutcome);
            });
            e.Navigation(o => o.Steps).HasField("_steps").UsePropertyAccessMode(PropertyAccessMode.Field);
        });
    }

    private static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<CreditTerms, string> TermsConverter = new(
        t => JsonSerializer.Serialize(t, Json), s => JsonSerializer.Deserialize<CreditTerms>(s, Json)!);

    /// <summary>Terms are replaced whole, never changed in place: compared by their JSON.</summary>
    private static readonly ValueComparer<CreditTerms> TermsComparer = new(
        (a, b) => JsonSerializer.Serialize(a, Json) == JsonSerializer.Serialize(b, Json), t => JsonSerializer.Serialize(t, Json).GetHashCode(), t => t);
}
