using System.Collections.Immutable;
using Acd.CallControl.Calls;
using Acd.CallControl.Customers;
using Acd.Customers;
using Acd.Frontend.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Acd.Frontend.Apis;

public sealed record CustomerRequest(
    string? Id,
    string? Name,
    List<string>? PhoneNumbers,
    string? Email,
    string? Company,
    string? Notes,
    Dictionary<string, string>? Attributes);

public static class CustomersApi
{
    public static IEndpointRouteBuilder MapCustomersApi(this IEndpointRouteBuilder api)
    {
        var customers = api.MapGroup("/customers").WithTags("Customers").RequireAuthorization(Policies.Agent);
        customers.MapGet("/", ListAsync).WithSummary("Built-in customers; ?phone= finds the one with that number, ?search= filters.");
        customers.MapGet("/lookup", LookupAsync).WithSummary("Who is calling: the CRM connector, falling back to the built-in table.");
        customers.MapGet("/{id}", GetAsync);
        customers.MapPost("/", CreateAsync).RequireAuthorization(Policies.Admin);
        customers.MapPut("/{id}", UpdateAsync).RequireAuthorization(Policies.Admin);
        customers.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Policies.Admin);
        return api;
    }

    private static async Task<Results<Ok<PagedResult<CustomerRecordView>>, ValidationProblem>> ListAsync(IGrainFactory grains, string? phone,
        string? search, int? page, int? pageSize)
    {
        var v = new Validator().Range(page, "page", 1, int.MaxValue).Range(pageSize, "pageSize", 1, 500);
        if (!v.IsValid)
        {
            return v.Problem();
        }

        var directory = Directory(grains);
        if (!string.IsNullOrWhiteSpace(phone))
        {
            var match = await directory.FindByPhoneAsync(phone);
            IReadOnlyList<CustomerRecordView> items = match is null ? [] : [CustomerRecordView.From(match)];
            return TypedResults.Ok(new PagedResult<CustomerRecordView>(items, 1, items.Count, items.Count));
        }

        var size = pageSize ?? 50;
        var number = page ?? 1;
        var result = await directory.ListAsync(search, (number - 1) * size, size);
        return TypedResults.Ok(new PagedResult<CustomerRecordView>(result.Items.Select(CustomerRecordView.From).ToList(), number, size, result.Total));
    }

    private static async Task<Results<Ok<CustomerView>, ValidationProblem>> LookupAsync(string? phone, ICustomerLookup lookup,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(phone) || phone.Length > 64)
        {
            return ApiResults.Invalid("phone", "Required.");
        }

        return TypedResults.Ok(CustomerView.From(await lookup.LookupAsync(phone, cancellationToken)));
    }

    private static async Task<Results<Ok<CustomerRecordView>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains) =>
        await Directory(grains).GetAsync(id) is { } customer
            ? TypedResults.Ok(CustomerRecordView.From(customer))
            : ApiResults.NotFound($"Customer '{id}' does not exist.");

    private static async Task<Results<Created<CustomerRecordView>, ValidationProblem, ProblemHttpResult>> CreateAsync(CustomerRequest request,
        IGrainFactory grains, TimeProvider time)
    {
        var v = Validate(request);
        if (!v.IsValid)
        {
            return v.Problem();
        }

        var customer = ToCustomer(request, request.Id!, time);
        var created = await Directory(grains).CreateAsync(customer);
        return created.IsSuccess
            ? TypedResults.Created($"/api/v1/customers/{customer.CustomerId}", CustomerRecordView.From(customer))
            : ApiResults.Problem(created);
    }

    private static async Task<Results<Ok<CustomerRecordView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(string id,
        CustomerRequest request, IGrainFactory grains, TimeProvider time)
    {
        var v = Validate(request with { Id = id });
        if (!v.IsValid)
        {
            return v.Problem();
        }

        var customer = ToCustomer(request, id, time);
        var updated = await Directory(grains).UpdateAsync(customer);
        return updated.IsSuccess ? TypedResults.Ok(CustomerRecordView.From(customer)) : ApiResults.Problem(updated);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, IGrainFactory grains)
    {
        var deleted = await Directory(grains).DeleteAsync(id);
        return deleted.IsSuccess ? TypedResults.NoContent() : ApiResults.Problem(deleted);
    }

    private static Customer ToCustomer(CustomerRequest r, string id, TimeProvider time) => new(
        id, r.Name!.Trim(), [.. (r.PhoneNumbers ?? []).Select(n => n.Trim()).Distinct()], r.Email, r.Company, r.Notes,
        (r.Attributes ?? []).ToImmutableDictionary(), time.GetUtcNow());

    private static Validator Validate(CustomerRequest r) =>
        new Validator().Id(r.Id, "id").Text(r.Name, "name", 200)
            .Require(r.PhoneNumbers is null || (r.PhoneNumbers.Count <= 20 && r.PhoneNumbers.All(n => n is not null
                && DialTargets.IsPhoneNumber(n.Trim().Replace(" ", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal)))),
                "phoneNumbers", "Up to 20 phone numbers.")
            .Text(r.Email, "email", 200, required: false).Text(r.Company, "company", 200, required: false)
            .Text(r.Notes, "notes", 4000, required: false)
            .Require(r.Attributes is null || (r.Attributes.Count <= 50 && r.Attributes.All(a => a.Key.Length <= 64 && (a.Value?.Length ?? 0) <= 1000)),
                "attributes", "Up to 50 attributes.");

    private static ICustomerDirectoryGrain Directory(IGrainFactory grains) =>
        grains.GetGrain<ICustomerDirectoryGrain>(CustomerDirectoryKeys.Default);
}
