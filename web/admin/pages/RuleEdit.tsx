export default function RuleEdit() {
  return <h1>RuleEdit</h1>;
}
