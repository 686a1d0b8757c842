/**
 * Validators svcforge's Python tests run on generated files, with the real Backstage packages:
 *
 *   node dist/test/tools/check.js catalog FILE...      catalog-info.yaml: entity policies + Component validator
 *   node dist/test/tools/check.js template FILE        a software template: entity policies + templateEntityV1beta3Validator
 *   node dist/test/tools/check.js form FILE CASES      ajv on the template's parameter pages, one verdict per case
 *
 * Prints one JSON document on standard output.
 */
import { readFileSync } from 'node:fs';
import {
  componentEntityV1alpha1Validator,
  DefaultNamespaceEntityPolicy,
  Entity,
  EntityPolicies,
  FieldFormatEntityPolicy,
  KindValidator,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
} from '@backstage/catalog-model';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';
import Ajv from 'ajv';
import { parse } from 'yaml';

// The policies the catalog applies to every entity it ingests (catalog-backend's defaults).
const policies = EntityPolicies.allOf([
  new SchemaValidEntityPolicy(),
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
]);

interface Verdict {
  file: string;
  ok: boolean;
  error?: string;
}

async function checkEntity(file: string, validator: KindValidator): Promise<Verdict> {
  try {
    const entity = parse(readFileSync(file, 'utf8')) as Entity;
    const enforced = await policies.enforce(entity);
    if (!enforced) {
      return { file, ok: false, error: 'rejected by the entity policies' };
    }
    if (!(await validator.check(enforced))) {
      return { file, ok: false, error: `not handled by the validator (kind ${entity.kind})` };
    }
    return { file, ok: true };
  } catch (error) {
    return { file, ok: false, error: String(error) };
  }
}

/** The JSON Schema of a page as Backstage hands it to the form's validator: without ui: keys. */
export function withoutUiKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withoutUiKeys);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !key.startsWith('ui:'))
        .map(([key, inner]) => [key, withoutUiKeys(inner)]),
    );
  }
  return value;
}

interface FormCase {
  id: string;
  data: Record<string, unknown>;
}

function checkForm(templateFile: string, casesFile: string) {
  const template = parse(readFileSync(templateFile, 'utf8'));
  const cases = JSON.parse(readFileSync(casesFile, 'utf8')) as FormCase[];
  // Strict: an unknown keyword or a malformed schema is an error, not silently ignored.
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  const pages = (template.spec.parameters as object[]).map(page => ajv.compile(withoutUiKeys(page) as object));
  return cases.map(({ id, data }) => {
    const errors = pages.flatMap(validate => (validate(data) ? [] : (validate.errors ?? [])));
    return {
      id,
      valid: errors.length === 0,
      errors: errors.map(e => `${e.instancePath || '/'} ${e.message ?? ''}`.trim()),
    };
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'catalog') {
    console.log(JSON.stringify(await Promise.all(args.map(f => checkEntity(f, componentEntityV1alpha1Validator)))));
  } else if (command === 'template' && args.length === 1) {
    console.log(JSON.stringify(await checkEntity(args[0], templateEntityV1beta3Validator)));
  } else if (command === 'form' && args.length === 2) {
    console.log(JSON.stringify(checkForm(args[0], args[1])));
  } else {
    console.error('usage: check.js catalog FILE... | template FILE | form TEMPLATE CASES');
    return 2;
  }
  return 0;
}

if (require.main === module) {
  // exitCode, not exit(): a large verdict list on a pipe must be flushed before node ends.
  main(process.argv.slice(2)).then(
    code => {
      process.exitCode = code;
    },
    error => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
