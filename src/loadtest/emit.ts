// `--emit k8s-job`: a Kubernetes Indexed Job that runs N shards of the same test, each writing its JSON
// for `perfkit loadtest merge`. perfkit does not orchestrate; Kubernetes (or a CI matrix) does. Pure.
import { stringify } from 'yaml';

export function k8sJob(o: { argv: string[]; shards: number; image?: string }): string {
  // The same command line, minus the emit flags and any shard or output the user gave.
  const args: string[] = [];
  for (let i = 0; i < o.argv.length; i++) {
    const a = o.argv[i];
    if (a === '--emit' || a === '--shards' || a === '--shard' || a === '-o' || a === '--output' || a === '--format') {
      i++;
      continue;
    }
    if (/^--(emit|shards|shard|output|format)=/.test(a)) continue;
    args.push(a);
  }
  const shell = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const cmd = `perfkit ${args.map(shell).join(' ')} --shard $((JOB_COMPLETION_INDEX + 1))/${o.shards} --format json -o /results/shard-$JOB_COMPLETION_INDEX.json`;
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'perfkit-loadtest', labels: { app: 'perfkit-loadtest' } },
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: o.shards,
      backoffLimit: 0,
      template: {
        metadata: { labels: { app: 'perfkit-loadtest' } },
        spec: {
          restartPolicy: 'Never',
          // One shard per node, so shards do not share a CPU.
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'perfkit-loadtest' } } } }],
            },
          },
          containers: [
            {
              name: 'perfkit',
              image: o.image ?? 'node:20-bookworm-slim',
              command: ['sh', '-c', `npm install -g perfkit >/dev/null && ${cmd}`],
              resources: { requests: { cpu: '1', memory: '256Mi' }, limits: { memory: '512Mi' } },
              volumeMounts: [{ name: 'results', mountPath: '/results' }],
            },
          ],
          volumes: [{ name: 'results', emptyDir: {} }],
        },
      },
    },
  };
  return `# perfkit loadtest in ${o.shards} shards as a Kubernetes Indexed Job. Collect /results/shard-*.json from
# each pod (e.g. kubectl cp, or mount a shared volume instead of emptyDir), then:
#   perfkit loadtest merge shard-*.json --threshold "latency.p95<200"
${stringify(job)}`;
}
