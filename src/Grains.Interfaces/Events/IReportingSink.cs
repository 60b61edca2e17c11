namespace Acd.Events;

/// <summary>
/// Where grains drop their events for the reporting store. <see cref="Append"/> must be cheap and never block:
/// it runs inside a grain turn; the store is written in batches by a background writer.
/// </summary>
public interface IReportingSink
{
    void Append(AcdEvent @event);
}

/// <summary>Discards events; for hosts that keep no reporting store.</summary>
public sealed class NullReportingSink : IReportingSink
{
    public void Append(AcdEvent @event)
    {
    }
}
