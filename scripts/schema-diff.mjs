// Child of migrate-new.ts: reads {from, to, url} on stdin and prints the SQL script from one Prisma schema to the other.
import { SchemaEngine } from '@prisma/schema-engine-wasm';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const { from, to, url } = JSON.parse(input);
const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString: url }));
const engine = await SchemaEngine.new({ datamodels: [['schema.prisma', to]] }, () => {}, adapter);
const target = (content) => ({ tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content }] });
const result = await engine.diff({
  from: from === null ? { tag: 'empty' } : target(from),
  to: target(to),
  script: true,
  exitCode: null,
  filters: { externalTables: [], externalEnums: [] },
});
process.stdout.write(result.stdout ?? '');
process.exit(0);
