using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Payments.Migrations.Postgres
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
                    Party = table.Column<string>(type: "text", nullable: false),
                    Currency = table.Column<string>(type: "text", nullable: false),
                    BalanceMinor = table.Column<long>(type: "bigint", nullable: false),
                    EntryCount = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_account_balances", x => new { x.Party, x.Currency });
                });

            // The balances are kept by the database: each entry inserted adds itself to its holder's balance in the same
            // statement (an upsert: concurrent transactions crediting one holder queue on its row, none is lost), and an
            // entry is never changed or deleted (a correction is a new entry), so a balance is always the sum of its
            // entries. The history before this migration is summed once, with inserts held off from before the trigger
            // exists until this migration commits: no entry is missed or counted twice.
            // Bounded: a migration that cannot have the table within 30 s fails and the service's start is retried, rather
            // than holding every booking behind its wait.
            migrationBuilder.Sql("SET LOCAL lock_timeout = '30s';");
            migrationBuilder.Sql("LOCK TABLE ledger_entries IN SHARE ROW EXCLUSIVE MODE;");
            migrationBuilder.Sql("""
                CREATE FUNCTION ledger_entries_balance() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO account_balances ("Party", "Currency", "BalanceMinor", "EntryCount") VALUES (NEW."Party", NEW."Currency", NEW."AmountMinor", 1)
                    ON CONFLICT ("Party", "Currency") DO UPDATE
                    SET "BalanceMinor" = account_balances."BalanceMinor" + EXCLUDED."BalanceMinor", "EntryCount" = account_balances."EntryCount" + 1;
                    RETURN NULL;
                END $$;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER ledger_entries_balance AFTER INSERT ON ledger_entries
                FOR EACH ROW EXECUTE FUNCTION ledger_entries_balance();
                """);
            migrationBuilder.Sql("""
                CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'ledger entries are append-only: % refused (a correction is a new entry)', TG_OP USING ERRCODE = 'restrict_violation';
                END $$;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
                FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
                FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only();
                """);
            migrationBuilder.Sql("""
                INSERT INTO account_balances ("Party", "Currency", "BalanceMinor", "EntryCount")
                SELECT "Party", "Currency", SUM("AmountMinor"), COUNT(*) FROM ledger_entries GROUP BY "Party", "Currency";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER ledger_entries_balance ON ledger_entries;");
            migrationBuilder.Sql("DROP TRIGGER ledger_entries_append_only ON ledger_entries;");
            migrationBuilder.Sql("DROP TRIGGER ledger_entries_no_truncate ON ledger_entries;");
            migrationBuilder.Sql("DROP FUNCTION ledger_entries_balance();");
            migrationBuilder.Sql("DROP FUNCTION ledger_entries_append_only();");

            migrationBuilder.DropTable(
                name: "account_balances");
        }
    }
}
