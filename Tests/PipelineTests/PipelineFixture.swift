import IntakeTestSupport

/// The pipeline's tests use the intake's fixture: a scratch index, quarantine and data folder,
/// and small DICOM instances.
typealias PipelineFixture = IntakeFixture
