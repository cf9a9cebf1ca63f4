//! Generates the typed bindings for `GET /v2/audit-logs` from the checked-in
//! OpenAPI document with progenitor (Builder interface) into `OUT_DIR`.
//!
//! The wrapper's hand-written, forward-compatible types replace the generated
//! ones for the response shapes (see `REPLACEMENTS`), so the generated code
//! decodes straight into them, with no intermediate value. Entries decode
//! into `RawAuditLog` (the text as sent, `id`, `created_at`), which an export
//! writes as it is and a typed page decodes further into `AuditLog`. A test
//! (`tests/schema_agreement.rs`) proves that those types agree with the
//! document's component schemas.

use std::{fmt, path::Path, process::ExitCode};

#[path = "build/query.rs"]
mod query;

const SPEC: &str = "openapi/arize-audit-logs.yaml";
const OUTPUT: &str = "codegen.rs";
const QUERY_OUTPUT: &str = "query.rs";

/// Component schema → wrapper type that stands in for it in generated code.
const REPLACEMENTS: &[(&str, &str)] = &[
    ("AuditLog", "crate::model::raw_audit_log::RawAuditLog"),
    (
        "AuditLogOperationType",
        "crate::model::audit_log::OperationType",
    ),
    ("PaginationMetadata", "crate::model::page::Pagination"),
    ("Problem", "crate::model::problem::Problem"),
];

pub(crate) struct BuildError(pub(crate) String);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn main() -> ExitCode {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/query.rs");
    match generate() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot generate the Arize audit-log bindings from {SPEC}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn generate() -> Result<(), BuildError> {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR")
        .map_err(|_| BuildError("CARGO_MANIFEST_DIR is not set".into()))?;
    let spec_path = Path::new(&manifest_dir).join(SPEC);
    let text = std::fs::read_to_string(&spec_path)
        .map_err(|e| BuildError(format!("the file cannot be read ({e})")))?;
    let spec = parse(&text)?;

    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_inner_type(quote_path("crate::http::hooks::Hooks")?)
        .with_hooks(progenitor::HooksMode::Expected);
    for (schema, replacement) in REPLACEMENTS {
        settings.with_replacement(*schema, *replacement, std::iter::empty());
    }
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .map_err(|e| BuildError(format!("progenitor rejected the document: {e}")))?;
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| BuildError(format!("progenitor produced code that does not parse: {e}")))?;
    let code = prettyplease::unparse(&file);
    let generated = file;

    let out_dir = std::env::var("OUT_DIR").map_err(|_| BuildError("OUT_DIR is not set".into()))?;
    let out = Path::new(&out_dir).join(OUTPUT);
    std::fs::write(&out, code)
        .map_err(|e| BuildError(format!("cannot write {}: {e}", out.display())))?;

    // The query parameters, for every layer above the generated code.
    let query = query::generate(&spec, "list_audit_logs", REPLACEMENTS, &generated)?;
    let file: syn::File = syn::parse_str(&query).map_err(|e| {
        BuildError(format!(
            "build/query.rs produced code that does not parse: {e}"
        ))
    })?;
    let out = Path::new(&out_dir).join(QUERY_OUTPUT);
    std::fs::write(&out, prettyplease::unparse(&file))
        .map_err(|e| BuildError(format!("cannot write {}: {e}", out.display())))
}

/// Parses the document and checks what the wrapper relies on.
fn parse(text: &str) -> Result<openapiv3::OpenAPI, BuildError> {
    let spec: openapiv3::OpenAPI = serde_norway::from_str(text)
        .map_err(|e| BuildError(format!("it is not a valid OpenAPI 3.0 document: {e}")))?;
    if !spec.openapi.starts_with("3.0.") {
        return Err(BuildError(format!(
            "`openapi: {}` is not supported; the document must be OpenAPI 3.0.x",
            spec.openapi
        )));
    }
    let has_operation = spec.operations().any(|(path, method, op)| {
        path == "/v2/audit-logs"
            && method == "get"
            && op.operation_id.as_deref() == Some("list_audit_logs")
    });
    if !has_operation {
        return Err(BuildError(
            "it has no `GET /v2/audit-logs` operation with operationId `list_audit_logs`".into(),
        ));
    }
    let schemas = spec.components.as_ref().map(|c| &c.schemas);
    for (schema, _) in REPLACEMENTS {
        if !schemas.is_some_and(|s| s.contains_key(*schema)) {
            return Err(BuildError(format!(
                "components.schemas.{schema} is missing; the wrapper's types stand in for it"
            )));
        }
    }
    Ok(spec)
}

fn quote_path(path: &str) -> Result<proc_macro2::TokenStream, BuildError> {
    path.parse()
        .map_err(|e| BuildError(format!("bad type path {path}: {e}")))
}
