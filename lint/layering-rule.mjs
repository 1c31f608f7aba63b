// An ESLint rule that keeps the layers' arrows pointing down. Each import of our own code (a relative
// specifier) is resolved to the file it names, the way TypeScript resolves it (`../cli` is src/cli.ts,
// not src/cli/), and both ends are placed in their layers; an import the importer's layer does not
// allow is reported. The layers, entry points and allowed arrows are options (eslint.config.mjs).
import { statSync } from 'node:fs';
import path from 'node:path';

/** A glob of project paths (`*` within a segment, `**` across segments) as a RegExp. */
function globToRegExp(glob) {
  let source = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else source += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

const isFile = (file) => {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
};

/** The file a relative specifier names; a module not written yet still belongs to its folder's layer. */
function resolveModule(fromFile, specifier) {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [base, `${base}.ts`, `${base}.js`, path.join(base, 'index.ts'), path.join(base, 'index.js')];
  return candidates.find(isFile) ?? `${base}.ts`;
}

/** Type-only imports and re-exports: erased at compile time, they carry no code across the arrow. */
function typeOnly(node) {
  if (node.type === 'TSImportType') return true;
  if (node.importKind === 'type' || node.exportKind === 'type') return true;
  const specifiers = node.specifiers ?? [];
  return specifiers.length > 0 && specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type');
}

function specifierOf(node) {
  switch (node.type) {
    case 'ImportDeclaration':
    case 'ExportAllDeclaration':
    case 'ExportNamedDeclaration':
    case 'ImportExpression':
      return node.source?.type === 'Literal' ? node.source.value : undefined;
    case 'TSImportType':
      return node.argument?.type === 'TSLiteralType' ? node.argument.literal.value : undefined;
    case 'TSExternalModuleReference':
      return node.expression?.type === 'Literal' ? node.expression.value : undefined;
    case 'CallExpression':
      return node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal'
        ? node.arguments[0].value
        : undefined;
    default:
      return undefined;
  }
}

export const layeringRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports of our own code point down the layers; nothing imports an entry point.' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          entryPoints: { type: 'array', items: { type: 'string' } },
          layers: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                files: { type: 'array', items: { type: 'string' } },
                may: { type: 'array', items: { type: 'string' } },
                types: { type: 'array', items: { type: 'string' } },
              },
              required: ['name', 'files'],
              additionalProperties: false,
            },
          },
        },
        required: ['root', 'entryPoints', 'layers'],
        additionalProperties: false,
      },
    ],
    messages: {
      entryPoint: 'Layering: {{target}} is an entry point, and nothing imports an entry point; move what it shares into a module below it.',
      upward: 'Layering: {{from}} may not import {{target}} ({{to}}). Arrows point down: {{from}} imports {{allowed}}.',
      typesOnly: 'Layering: {{from}} may import only types from {{target}} ({{to}}): use `import type`.',
    },
  },
  create(context) {
    const { root, entryPoints, layers } = context.options[0];
    const entries = entryPoints.map(globToRegExp);
    const placed = layers.map((layer) => ({ ...layer, patterns: layer.files.map(globToRegExp) }));
    const relative = (file) => path.relative(root, file).split(path.sep).join('/');
    const isEntry = (rel) => entries.some((re) => re.test(rel));
    const layerOf = (rel) => placed.find((layer) => layer.patterns.some((re) => re.test(rel)));

    const fromRel = relative(context.filename);
    const from = isEntry(fromRel) ? undefined : layerOf(fromRel);

    function check(node) {
      const specifier = specifierOf(node);
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const target = relative(resolveModule(context.filename, specifier));
      if (isEntry(target)) {
        context.report({ node, messageId: 'entryPoint', data: { target } });
        return;
      }
      // Entry points import anything below them; a layer given no list of arrows is not restricted.
      if (!from?.may) return;
      const to = layerOf(target);
      if (!to || to.name === from.name || from.may.includes(to.name)) return;
      const types = from.types ?? [];
      if (types.includes(to.name)) {
        if (!typeOnly(node)) context.report({ node, messageId: 'typesOnly', data: { from: from.name, target, to: to.name } });
        return;
      }
      const allowed = [...from.may, ...types.map((t) => `types from ${t}`)].join(', ') || `nothing outside ${from.name}`;
      context.report({ node, messageId: 'upward', data: { from: from.name, target, to: to.name, allowed } });
    }

    return {
      ImportDeclaration: check,
      ExportAllDeclaration: check,
      ExportNamedDeclaration: check,
      ImportExpression: check,
      TSImportType: check,
      TSExternalModuleReference: check,
      CallExpression: check,
    };
  },
};
