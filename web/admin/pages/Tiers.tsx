export default function Tiers() {
  return <h1>Tiers</h1>;
}
