using Coworking.Sim;

var app = SimApp.Build(args);
await app.RunAsync();
