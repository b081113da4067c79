function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** The inspector's page: tables the script fills from the snapshots it watches. */
export function pageHtml(script: string, socket: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>Switchboard inspector</title>
<link rel="icon" href="data:," />
<style>
  body { font: 13px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #1d1d1f; background: #fafafa; }
  h1 { font-size: 18px; margin: 0 0 4px; }
  h2 { font-size: 14px; margin: 20px 0 6px; }
  #status { color: #666; }
  #status[data-state="open"] { color: #1a7f37; }
  .totals { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 12px; }
  .total { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; min-width: 110px; }
  .total b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
  table { border-collapse: collapse; background: #fff; min-width: 480px; }
  th, td { border: 1px solid #e3e3e3; padding: 3px 8px; text-align: left; font-variant-numeric: tabular-nums; }
  th { background: #f0f0f0; font-weight: 600; }
  td.n { text-align: right; }
  #closes { margin-top: 8px; }
</style>
</head>
<body data-socket="${attribute(socket)}">
<h1>Switchboard inspector</h1>
<div id="status" data-state="connecting">connecting…</div>
<div class="totals" id="totals"></div>
<h2>Calls per procedure</h2>
<table id="procedures"><thead><tr><th>procedure</th><th>kind</th><th>started</th><th>finished</th><th>failed</th><th>per second</th></tr></thead><tbody></tbody></table>
<h2>Connections</h2>
<table id="connections"><thead><tr><th>id</th><th>codec</th><th>API</th><th>transport</th><th>age</th><th>address</th><th>session</th></tr></thead><tbody></tbody></table>
<h2>Open streams</h2>
<table id="streams"><thead><tr><th>session</th><th>id</th><th>procedure</th><th>kind</th><th>age</th><th>sent</th><th>received</th><th>credit left</th><th>queued</th></tr></thead><tbody></tbody></table>
<h2>Recent closes</h2>
<table id="closes-by-code"><thead><tr><th>close code</th><th>count</th></tr></thead><tbody></tbody></table>
<table id="closes"><thead><tr><th>when</th><th>connection</th><th>code</th></tr></thead><tbody></tbody></table>
<script type="module" src="${attribute(script)}"></script>
</body>
</html>
`;
}
