//! The embedded SCIM server behind `scimctl serve`.
