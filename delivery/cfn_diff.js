#!/usr/bin/env node
// CDK's own diff engine over two synthesized cloud assemblies (or two templates), as JSON.
//
//   node delivery/cfn_diff.js assemblies <base dir> <head dir> [<base dir> <head dir> ...]
//   node delivery/cfn_diff.js templates <old template.json> <new template.json> [name]
//
// Output: {"engine": "...", "comparisons": [{"stacks": [...]}, ...]}, one per pair, in order
// (several pairs share one start of the CLI's bundle, about a second).
//
// It runs the code path of the pinned CLI's `cdk diff --app <head> --template <base template>
// <stack>` once per stack, in one process: the CLI's DiffFormatter (@aws-cdk/cloudformation-diff's
// fullDiff: replacement semantics from CloudFormation's resource specification, replacements
// propagated through references; AWS::CDK::Metadata and the bootstrap-version rule hidden, as
// `cdk diff` does without --strict), its findDestructiveChanges (what `--fail-on destructive`
// fails on) and its IAM and security-group change tables. The aws-cdk package bundles
// @aws-cdk/cloudformation-diff and exports these from its main module (not a documented API: the
// CLI is pinned in package.json, and tests/test_review.py compares this output with `cdk diff`'s).
// Nothing here reads credentials or calls AWS.
'use strict';

process.env.FORCE_COLOR = '0'; // chalk reads it when the CLI's bundle loads: plain text, no ANSI codes

const fs = require('node:fs');
const path = require('node:path');

const cdk = require(path.join(__dirname, '..', 'node_modules', 'aws-cdk', 'lib', 'index.js'));

const REPLACING = new Set(['WILL_REPLACE', 'MAY_REPLACE']);
// assemblyFromDirectory reports progress through an IoHelper; nothing here is worth printing.
const SILENT = {
  defaults: { trace: async () => {}, debug: async () => {}, info: async () => {}, warn: async () => {}, error: async () => {} },
  notify: async () => {},
};

/** A stand-in for a stack artifact that exists on one side only (a removed stack, a bare template),
 * named as the CLI names an artifact: "dev/Data (webapp-dev-data)". */
function bareStack(id, stackName, template) {
  const displayName = id === stackName ? id : `${id} (${stackName})`;
  return { displayName, stackName, template, findMetadataByType: () => [] };
}

function policies(resource) {
  if (!resource) return null;
  return { deletion: resource.DeletionPolicy ?? null, updateReplace: resource.UpdateReplacePolicy ?? null };
}

function rows(table) {
  // [header, ...rows] as the CLI prints them; only the rows, when there are any.
  return table.length > 1 ? { header: table[0], rows: table.slice(1) } : null;
}

function describe(displayName, stackName, oldTemplate, newStack) {
  const formatter = new cdk.DiffFormatter({ templateInfo: { oldTemplate, newTemplate: newStack } });
  // `cdk diff`'s defaults: 3 context lines, not strict.
  const { formattedDiff } = formatter.formatStackDiff({ contextLines: 3, strict: false, quiet: false });
  const key = newStack.displayName ?? newStack.stackName;
  const diff = formatter.displayedDiffs[key];
  const paths = formatter.constructPaths[key] ?? {};
  const resources = [];
  diff.resources.forEachDifference((logicalId, change) => {
    const oldValue = change.oldValue;
    const newValue = change.newValue;
    resources.push({
      logicalId,
      type: change.newResourceType ?? change.oldResourceType,
      action: change.isAddition ? 'add' : change.isRemoval ? 'remove' : 'update',
      impact: change.changeImpact,
      path: paths[logicalId] ?? null,
      properties: Object.keys(change.propertyUpdates).sort(),
      replacing: Object.entries(change.propertyUpdates)
        .filter(([, p]) => REPLACING.has(p.changeImpact))
        .map(([property, p]) => ({ property, impact: p.changeImpact }))
        .sort((a, b) => a.property.localeCompare(b.property)),
      other: Object.keys(change.otherChanges).sort(),
      oldPolicies: policies(oldValue),
      newPolicies: policies(newValue),
      // An Aurora cluster's member instance (its storage is the cluster's).
      clusterMember: Boolean(oldValue?.Properties?.DBClusterIdentifier ?? newValue?.Properties?.DBClusterIdentifier),
    });
  });
  const destructive = cdk.findDestructiveChanges(formatter.displayedDiffs, formatter.constructPaths)
    .map((c) => ({ logicalId: c.logicalId, type: c.resourceType ?? null, impact: c.impact, text: cdk.formatDestructiveChange(c) }));
  const iam = diff.iamChanges;
  const groups = diff.securityGroupChanges;
  const count = (action) => resources.filter((r) => r.action === action).length;
  return {
    id: displayName,
    stackName,
    empty: diff.isEmpty,
    formatted: formattedDiff,
    counts: {
      added: count('add'),
      changed: count('update'),
      removed: count('remove'),
      replaced: resources.filter((r) => r.action === 'update' && REPLACING.has(r.impact)).length,
      outputs: diff.outputs.differenceCount,
      parameters: diff.parameters.differenceCount,
      other: diff.differenceCount - diff.resources.differenceCount - diff.outputs.differenceCount - diff.parameters.differenceCount,
    },
    resources,
    destructive,
    security: {
      permissions: diff.permissionsBroadened ? 'broadening' : diff.permissionsAnyChanges ? 'non-broadening' : 'none',
      statements: rows(iam.summarizeStatements()),
      managedPolicies: rows(iam.summarizeManagedPolicies()),
      securityGroupRules: rows(groups.summarize()),
    },
  };
}

const loaded = new Map();
async function stacksOf(dir) {
  const key = path.resolve(dir);
  if (!loaded.has(key)) loaded.set(key, load(key));
  return loaded.get(key);
}

async function load(dir) {
  const assembly = await cdk.assemblyFromDirectory(dir, SILENT);
  // Keyed by the hierarchical ID ("dev/Data"): the same in the staged and the -c env layouts.
  return new Map(assembly.stacksRecursively.map((s) => [s.hierarchicalId, s]));
}

async function assemblies(baseDir, headDir) {
  const [base, head] = await Promise.all([stacksOf(baseDir), stacksOf(headDir)]);
  const out = [];
  for (const [id, stack] of head) {
    const old = base.get(id);
    out.push({ ...describe(id, stack.stackName, old ? old.template : {}, stack), status: old ? 'present' : 'added' });
  }
  for (const [id, stack] of base) {
    if (!head.has(id)) {
      out.push({ ...describe(id, stack.stackName, stack.template, bareStack(id, stack.stackName, {})), status: 'removed' });
    }
  }
  return out;
}

function templates(oldFile, newFile, name) {
  const read = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
  const id = name ?? path.basename(newFile);
  return [{ ...describe(id, id, read(oldFile), bareStack(id, id, read(newFile))), status: 'present' }];
}

async function main(argv) {
  const [mode, ...args] = argv;
  const comparisons = [];
  if (mode === 'assemblies' && args.length >= 2 && args.length % 2 === 0) {
    for (let i = 0; i < args.length; i += 2) {
      comparisons.push({ stacks: await assemblies(args[i], args[i + 1]) });
    }
  } else if (mode === 'templates' && (args.length === 2 || args.length === 3)) {
    comparisons.push({ stacks: templates(args[0], args[1], args[2]) });
  } else {
    process.stderr.write('usage: cfn_diff.js assemblies <base dir> <head dir> [...] | templates <old.json> <new.json> [name]\n');
    process.exit(2);
  }
  process.stdout.write(JSON.stringify({ engine: engineVersion(), comparisons }) + '\n');
}

function engineVersion() {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'node_modules', 'aws-cdk', 'package.json'), 'utf8'));
  return `aws-cdk ${pkg.version} (@aws-cdk/cloudformation-diff ${pkg.devDependencies['@aws-cdk/cloudformation-diff']})`;
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
