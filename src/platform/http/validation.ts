import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const localizeZh = createRequire(import.meta.url)('ajv-i18n/localize/zh') as (errors: unknown) => void;

export interface FieldError {
  field: string;
  message: string;
}

/** Turns Ajv's errors into one Chinese message per bad field. */
export function fieldErrors(errors: FastifySchemaValidationError[], dataVar: string): FieldError[] {
  // ajv-i18n rewrites `message` in place from the keyword and params.
  localizeZh(errors);
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const params = (e.params ?? {}) as Record<string, unknown>;
    let field = (e.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
    if (e.keyword === 'required' && typeof params.missingProperty === 'string') {
      field = field ? `${field}.${params.missingProperty}` : params.missingProperty;
    }
    if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      field = field ? `${field}.${params.additionalProperty}` : params.additionalProperty;
    }
    if (!field) field = dataVar;
    const message = e.keyword === 'required' ? '为必填项' : e.keyword === 'additionalProperties' ? '不是可接受的字段' : (e.message ?? '格式不正确');
    const key = field + message;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, message });
  }
  return out;
}

/**
 * Two validators: query strings, params and headers are text and are coerced to the schema's types
 * (`?page=2`); JSON bodies are not — `{"name": 7}` for a string field is an error, not "7".
 */
export function makeValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const make = (coerceTypes: false | 'array') => {
    const ajv = new Ajv({ allErrors: true, coerceTypes, useDefaults: true, removeAdditional: false, strict: false });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    return ajv;
  };
  const body = make(false);
  const text = make('array');
  return ({ schema, httpPart }) => {
    const fn: ValidateFunction = (httpPart === 'body' ? body : text).compile(schema as object);
    return fn as never;
  };
}
