export default function CampaignEdit() {
  return <h1>CampaignEdit</h1>;
}
