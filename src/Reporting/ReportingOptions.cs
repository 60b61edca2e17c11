namespace Acd.Reporting;

/// <summary>Which database holds the reporting tables.</summary>
public enum ReportingDatabase
{
    /// <summary>Embedded mode: a SQLite file (reporting.db under the data folder).</summary>
    Sqlite = 0,
    /// <summary>Cluster mode: the PostgreSQL database that also holds Orleans' tables.</summary>
    Postgres,
}

/// <summary>Configuration section "Reporting": where the reporting store lives and how the writer batches.</summary>
public sealed class ReportingOptions
{
    public const string Section = "Reporting";

    public ReportingDatabase Database { get; set; } = ReportingDatabase.Sqlite;

    /// <summary>ADO.NET connection string for <see cref="Database"/>.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Most events written in one transaction.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>How long the writer lingers for more events before it writes a partial batch.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Events held in memory before the bounded channel is full. Past that, events spill into an overflow queue
    /// (with a warning) rather than being dropped or blocking a grain turn.
    /// </summary>
    public int ChannelCapacity { get; set; } = 20_000;

    /// <summary>Upper bound of the retry backoff when the database fails.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the writer keeps trying to flush pending events when the host stops.</summary>
    public TimeSpan ShutdownFlushTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often the writer logs a progress summary at Information level.</summary>
    public TimeSpan ProgressLogInterval { get; set; } = TimeSpan.FromSeconds(60);
}
