-- Origin: Microsoft Orleans, https://github.com/dotnet/orleans, src/AdoNet/Shared/PostgreSQL-Main.sql
-- Copyright (c) .NET Foundation and Contributors. Licensed under the MIT License.
-- Orleans' own ADO.NET setup schema (the script Orleans' documentation tells users to run), kept verbatim
-- apart from this header and the trimmed implementation notes. Applied by `Acd.Silo setup-database`.

-- requires Postgres 9.5 (or perhaps higher)

/*
Implementation notes (from Orleans):
  Data is read and written through Orleans specific queries stored in OrleansQuery. Orleans operates on column
  names and types when reading and on parameter names and types when writing, so implementations must preserve
  input and output names and types. ETag is an opaque column that represents a unique version.
*/

-- This table defines Orleans operational queries. Orleans uses these to manage its operations,
-- these are the only queries Orleans issues to the database.
-- These can be redefined (e.g. to provide non-destructive updates) provided the stated interface principles hold.
CREATE TABLE OrleansQuery
(
    QueryKey varchar(64) NOT NULL,
    QueryText varchar(8000) NOT NULL,

    CONSTRAINT OrleansQuery_Key PRIMARY KEY(QueryKey)
);
