using Acd.Agents;
using Acd.Common;
using Acd.Events;
using Acd.Grains.Agents;
using Acd.Queues;
using Microsoft.Extensions.Logging;

namespace Acd.Grains.Queues;

public sealed partial class QueueGrain
{
    /// <summary>Reminders cannot tick faster than this; it only bounds how soon calls wake after a failover.</summary>
    private static readonly TimeSpan RecoveryPeriod = TimeSpan.FromMinutes(1);

    /// <summary>Tries Ready, qualified members in strategy order; the agent grain's reservation decides.</summary>
    private async Task<AgentReservation?> ReserveBestAgentAsync(QueuedCall call, QueueConfig config)
    {
        var lease = config.RingTimeout + AgentGrain.LeaseGrace;
        var candidates = _members.Best(MaxOfferAttempts, config.Strategy, S.LastRoundRobinAgentId,
            m => m.IsReady && m.IsLoggedIn && config.IsQualified(m.Skills) && (!call.RequiresDevice || m.HasDevice));
        foreach (var member in candidates)
        {
            var reserved = await GrainFactory.GetGrain<IAgentGrain>(member.AgentId).TryReserveAsync(call.CallId, lease, QueueId);
            MarkBusy(member.AgentId);
            if (reserved.IsSuccess)
            {
                StartCycle(member.AgentId);
                S.LastRoundRobinAgentId = member.AgentId;
                return reserved.Value;
            }
        }

        return null;
    }

    /// <summary>The queue's view of a member is only a hint; after an offer it waits for the agent's own update.</summary>
    private void MarkBusy(string agentId)
    {
        if (_members.TryGetValue(agentId, out var member) && member.IsReady)
        {
            _members.Set(member with { IsReady = false });
        }
    }

    private void Insert(QueuedCall call)
    {
        var index = S.Waiting.BinarySearch(call, QueuedCall.Order);
        S.Waiting.Insert(index < 0 ? ~index : index, call);
    }

    private async Task ContentsChangedAsync()
    {
        TrimWindow();
        PublishChange();
        UpdateSweepTimer();
        await Task.WhenAll(Writer.WriteAsync(), UpdateRecoveryReminderAsync());
    }

    private void PublishChange() => Publish(new QueueChanged(Now, Snapshot()));

    private QueueSnapshot Snapshot() => new(QueueId, S.Config, [.. S.Waiting], Stats());

    // ---- safety nets --------------------------------------------------------------------------

    private void UpdateSweepTimer()
    {
        var needed = S.Waiting.Count > 0 && _members.ReadyCount > 0;
        if (needed && _sweepTimer is null)
        {
            _sweepTimer = this.RegisterGrainTimer(_ =>
            {
                Sweep();
                return Task.CompletedTask;
            }, new GrainTimerCreationOptions { DueTime = SweepPeriod, Period = SweepPeriod });
        }
        else if (!needed && _sweepTimer is not null)
        {
            _sweepTimer.Dispose();
            _sweepTimer = null;
        }
    }

    /// <summary>Nudges Ready members while calls wait, in case an agent's own matching was lost (e.g. a failed call).</summary>
    private void Sweep()
    {
        if (S.Config is not { } config || S.Waiting.Count == 0)
        {
            return;
        }

        foreach (var member in _members.Values.Where(m => m.IsReady && config.IsQualified(m.Skills)).Take(S.Waiting.Count))
        {
            GrainFactory.GetGrain<IAgentGrain>(member.AgentId).FindWorkAsync().Ignore();
        }
    }

    /// <summary>
    /// A reminder exists while the queue holds calls, so a failover re-activates it and them. It is registered when
    /// calls arrive but removed only by its own tick finding the queue empty: a queue that empties and fills with every
    /// call would otherwise write the reminder table twice per call.
    /// </summary>
    private async Task UpdateRecoveryReminderAsync(bool mayRemove = false)
    {
        var needed = S.Waiting.Count > 0 || S.Offered.Count > 0;
        if (needed == _reminderRegistered || (!needed && !mayRemove))
        {
            return;
        }

        _reminderRegistered = needed;
        try
        {
            if (needed)
            {
                await this.RegisterOrUpdateReminder(RecoveryReminder, RecoveryPeriod, RecoveryPeriod);
            }
            else if (await this.GetReminder(RecoveryReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Routing does not depend on the reminder; only recovery after a silo loss does.
            _reminderRegistered = !needed;
            LogReminderFailed(ex);
        }
    }

    private Result? Validate(QueueConfig config)
    {
        if (string.IsNullOrWhiteSpace(config.Name))
        {
            return Fail("A queue needs a name.");
        }

        if (config.Numbers.IsDefault || config.RequiredSkills is null)
        {
            return Fail("Numbers and required skills must be given (may be empty).");
        }

        if (config.SlaSeconds is < 1 or > 3600)
        {
            return Fail("slaSeconds must be 1-3600.");
        }

        if (config.MaxWaitSeconds is < 0 or > 86400)
        {
            return Fail("maxWaitSeconds must be 0 (no limit) to 86400.");
        }

        if (config.WrapUpSeconds is < 0 or > 3600)
        {
            return Fail("wrapUpSeconds must be 0-3600.");
        }

        if (config.RingTimeoutSeconds is < 1 or > 600)
        {
            return Fail("ringTimeoutSeconds must be 1-600.");
        }

        if (config.StatsWindowMinutes is < 1 or > 1440)
        {
            return Fail("statsWindowMinutes must be 1-1440.");
        }

        if (config.HoldMusic is { } music && !QueueConfig.IsSoundFileName(music))
        {
            return Fail("holdMusic must be a .wav file name (letters, digits, '.', '_', '-'), not a path.");
        }

        if (config.AnnounceSeconds != 0 && config.AnnounceSeconds is < QueueConfig.MinAnnounceSeconds or > QueueConfig.MaxAnnounceSeconds)
        {
            return Fail($"announceSeconds must be 0 (no announcements) or {QueueConfig.MinAnnounceSeconds}-{QueueConfig.MaxAnnounceSeconds}.");
        }

        if (config.Language is { } language && !QueueConfig.IsLanguageTag(language))
        {
            return Fail("language must be a language tag such as en, de or en-GB.");
        }

        if (config.OverflowQueueId == QueueId)
        {
            return Fail("A queue cannot overflow to itself.");
        }

        foreach (var (skill, level) in config.RequiredSkills)
        {
            if (string.IsNullOrWhiteSpace(skill) || level is < AgentProfile.MinProficiency or > AgentProfile.MaxProficiency)
            {
                return Fail($"Required skill '{skill}' has level {level}; it must be {AgentProfile.MinProficiency}-{AgentProfile.MaxProficiency}.");
            }
        }

        return null;

        static Result Fail(string message) => Result.Fail(AcdError.InvalidArgument, message);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue activated with {Known} of {Total} members known; the rest join with their next transition")]
    private partial void LogMembersPartlyRecovered(int known, int total);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not update the recovery reminder; calls will not be woken after a silo loss")]
    private partial void LogReminderFailed(Exception exception);
}
