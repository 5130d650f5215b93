export default function Campaigns() {
  return <h1>Campaigns</h1>;
}
