using Xunit;

// HttpClient's diagnostic listener is process-wide: tests that start services and providers run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
