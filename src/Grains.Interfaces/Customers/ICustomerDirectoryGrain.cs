using Acd.Common;

namespace Acd.Customers;

/// <summary>
/// The built-in customer table (singleton key <see cref="CustomerDirectoryKeys.Default"/>), indexed by phone number.
/// </summary>
[Alias("acd.ICustomerDirectoryGrain")]
public interface ICustomerDirectoryGrain : IGrainWithStringKey
{
    [Alias("Get"), AlwaysInterleave]
    Task<Customer?> GetAsync(string customerId);

    /// <summary>The customer one of whose numbers matches <paramref name="phoneNumber"/> (digits compared), or null.</summary>
    [Alias("FindByPhone"), AlwaysInterleave]
    Task<Customer?> FindByPhoneAsync(string phoneNumber);

    /// <summary>Customers whose id, name, company, email or number contains <paramref name="search"/>, by id.</summary>
    [Alias("List"), AlwaysInterleave]
    Task<CustomerPage> ListAsync(string? search, int skip, int take);

    /// <summary>Adds a customer. Conflict if the id exists or a number belongs to another customer.</summary>
    [Alias("Create")]
    Task<Result> CreateAsync(Customer customer);

    /// <summary>Replaces a customer. NotFound if missing; Conflict if a number belongs to another customer.</summary>
    [Alias("Update")]
    Task<Result> UpdateAsync(Customer customer);

    [Alias("Delete")]
    Task<Result> DeleteAsync(string customerId);
}

public static class CustomerDirectoryKeys
{
    public const string Default = "default";
}
