using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Payments.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AccountBalances : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "account_balances",
                columns: table => new
                {
                    Party = table.Column<string>(type: "TEXT", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", nullable: false),
                    BalanceMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    EntryCount = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_account_balances", x => new { x.Party, x.Currency });
                });

            // The balances are kept by the database: each entry inserted adds itself to its holder's balance in the same
            // statement, and an entry is never changed or deleted (a correction is a new entry), so a balance is always the
            // sum of its entries. The history before this migration is summed once. SQLite has one writer at a time: no
            // entry can be inserted between the sum and the trigger.
            migrationBuilder.Sql("""
                CREATE TRIGGER ledger_entries_balance AFTER INSERT ON ledger_entries
                BEGIN
                    INSERT INTO account_balances (Party, Currency, BalanceMinor, EntryCount) VALUES (NEW.Party, NEW.Currency, NEW.AmountMinor, 1)
                    ON CONFLICT (Party, Currency) DO UPDATE SET BalanceMinor = BalanceMinor + excluded.BalanceMinor, EntryCount = EntryCount + 1;
                    -- SQLite turns an integer sum beyond 64 bits into a float: refused, as PostgreSQL's bigint refuses it.
                    SELECT RAISE(ABORT, 'account balance out of range') FROM account_balances
                    WHERE Party = NEW.Party AND Currency = NEW.Currency AND typeof(BalanceMinor) <> 'integer';
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
                BEGIN
                    SELECT RAISE(ABORT, 'ledger entries are append-only: an entry is never changed (a correction is a new entry)');
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
                BEGIN
                    SELECT RAISE(ABORT, 'ledger entries are append-only: an entry is never deleted (a correction is a new entry)');
                END;
                """);
            migrationBuilder.Sql("""
                INSERT INTO account_balances (Party, Currency, BalanceMinor, EntryCount)
                SELECT Party, Currency, SUM(AmountMinor), COUNT(*) FROM ledger_entries GROUP BY Party, Currency;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER ledger_entries_balance;");
            migrationBuilder.Sql("DROP TRIGGER ledger_entries_no_update;");
            migrationBuilder.Sql("DROP TRIGGER ledger_entries_no_delete;");

            migrationBuilder.DropTable(
                name: "account_balances");
        }
    }
}
