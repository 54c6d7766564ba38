return await Coworking.Hub.HubApp.RunAsync(args);
