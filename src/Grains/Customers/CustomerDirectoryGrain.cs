using System.Collections.Immutable;
using Acd.Common;
using Acd.Customers;
using Acd.Grains.Hosting;

namespace Acd.Grains.Customers;

/// <summary>The built-in customer table; keeps a phone-number index in memory, rebuilt on activation.</summary>
public sealed class CustomerDirectoryGrain(
    [PersistentState("customers", AcdStorage.GrainState)] IPersistentState<CustomerDirectoryState> state)
    : Grain, ICustomerDirectoryGrain
{
    private readonly Dictionary<string, string> _byPhone = new(StringComparer.Ordinal);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        RebuildIndex();
        return Task.CompletedTask;
    }

    public Task<Customer?> GetAsync(string customerId) =>
        Task.FromResult(state.State.Customers.GetValueOrDefault(customerId));

    public Task<Customer?> FindByPhoneAsync(string phoneNumber)
    {
        var key = PhoneNumbers.Normalize(phoneNumber);
        return Task.FromResult(key.Length > 0 && _byPhone.TryGetValue(key, out var id)
            ? state.State.Customers.GetValueOrDefault(id)
            : null);
    }

    public Task<CustomerPage> ListAsync(string? search, int skip, int take)
    {
        IEnumerable<Customer> all = state.State.Customers.Values;
        if (!string.IsNullOrWhiteSpace(search))
        {
            var digits = PhoneNumbers.Normalize(search);
            all = all.Where(c => Contains(c.CustomerId, search) || Contains(c.Name, search) || Contains(c.Company, search)
                || Contains(c.Email, search) || (digits.Length > 0 && c.PhoneNumbers.Any(n => PhoneNumbers.Normalize(n).Contains(digits, StringComparison.Ordinal))));
        }

        var matches = all.OrderBy(c => c.CustomerId, StringComparer.OrdinalIgnoreCase).ToList();
        var page = matches.Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 0, 1000)).ToImmutableArray();
        return Task.FromResult(new CustomerPage(page, matches.Count));
    }

    public async Task<Result> CreateAsync(Customer customer)
    {
        ArgumentNullException.ThrowIfNull(customer);
        if (state.State.Customers.ContainsKey(customer.CustomerId))
        {
            return Result.Fail(AcdError.Conflict, $"Customer '{customer.CustomerId}' already exists.");
        }

        if (FindNumberOwner(customer) is { } clash)
        {
            return clash;
        }

        state.State.Customers[customer.CustomerId] = customer;
        RebuildIndex();
        await state.WriteStateAsync();
        return Result.Ok;
    }

    public async Task<Result> UpdateAsync(Customer customer)
    {
        ArgumentNullException.ThrowIfNull(customer);
        if (!state.State.Customers.ContainsKey(customer.CustomerId))
        {
            return Result.Fail(AcdError.NotFound, $"Customer '{customer.CustomerId}' does not exist.");
        }

        if (FindNumberOwner(customer) is { } clash)
        {
            return clash;
        }

        state.State.Customers[customer.CustomerId] = customer;
        RebuildIndex();
        await state.WriteStateAsync();
        return Result.Ok;
    }

    public async Task<Result> DeleteAsync(string customerId)
    {
        if (!state.State.Customers.Remove(customerId))
        {
            return Result.Fail(AcdError.NotFound, $"Customer '{customerId}' does not exist.");
        }

        RebuildIndex();
        await state.WriteStateAsync();
        return Result.Ok;
    }

    private Result? FindNumberOwner(Customer customer)
    {
        foreach (var number in customer.PhoneNumbers)
        {
            var key = PhoneNumbers.Normalize(number);
            if (key.Length > 0 && _byPhone.TryGetValue(key, out var owner)
                && !string.Equals(owner, customer.CustomerId, StringComparison.OrdinalIgnoreCase))
            {
                return Result.Fail(AcdError.Conflict, $"Number '{number}' already belongs to customer '{owner}'.");
            }
        }

        return null;
    }

    private void RebuildIndex()
    {
        _byPhone.Clear();
        foreach (var customer in state.State.Customers.Values)
        {
            foreach (var number in customer.PhoneNumbers)
            {
                var key = PhoneNumbers.Normalize(number);
                if (key.Length > 0)
                {
                    _byPhone.TryAdd(key, customer.CustomerId);
                }
            }
        }
    }

    private static bool Contains(string? value, string search) =>
        value is not null && value.Contains(search, StringComparison.OrdinalIgnoreCase);
}
