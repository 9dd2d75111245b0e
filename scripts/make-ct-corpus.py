#!/usr/bin/env python3
"""Generate a synthetic CT series for benchmarks: one patient, one study, one axial series.

Usage: make-ct-corpus.py OUTDIR [--count N] [--size S] [--seed SEED]

  --count N    number of slices (default 1000)
  --size S     rows and columns of each image (default 512; e.g. 64 for a small-image corpus)
  --seed SEED  seed for UIDs, patient data and pixel noise (default 1)

Writes OUTDIR/ct-S-N/ (ct-S-N-seedSEED/ for a seed other than the default) holding
CT000001.dcm ... : CT Image Storage, Explicit VR Little Endian, signed 16-bit pixels
(BitsStored 12), with a header of about 85 attributes covering the patient, study, series,
equipment, frame of reference, image plane, image pixel and CT image modules,
three short sequences and a private block. The output is the same, byte for byte, for the same arguments.
The folder is written under a temporary name and renamed when complete, replacing any
previous one, so an existing folder is always a whole corpus. Prints the folder's path.
Needs pydicom and numpy.
"""
import argparse
import hashlib
import os
import shutil
import sys

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID

DEFAULT_SEED = 1
FIELD_OF_VIEW_MM = 350.0
SLICE_THICKNESS_MM = 0.625


def uid(seed, *parts):
    """A 2.25 UID (PS3.5 B.2) from a 128-bit hash of the seed and the parts."""
    text = ":".join(str(p) for p in (seed,) + parts)
    return "2.25." + str(int(hashlib.sha256(text.encode()).hexdigest()[:32], 16))


def code_item(value, scheme, meaning):
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def base_dataset(seed, size, rng):
    """Every attribute that is the same on all slices; per-slice ones are set in write_slice."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds.file_meta.ImplementationVersionName = "SENDIT_BENCH"

    patient_number = int(rng.integers(100000, 999999))
    birth_year = int(rng.integers(1940, 2000))
    study_date = "2024%02d%02d" % (rng.integers(1, 13), rng.integers(1, 29))
    study_time = "%02d%02d%02d" % (rng.integers(7, 19), rng.integers(0, 60), rng.integers(0, 60))

    # SOP Common
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.InstanceCreationDate = study_date
    ds.SOPClassUID = CTImageStorage
    # General Study
    ds.StudyDate = study_date
    ds.SeriesDate = study_date
    ds.AcquisitionDate = study_date
    ds.ContentDate = study_date
    ds.StudyTime = study_time
    ds.SeriesTime = study_time
    ds.AccessionNumber = "A%08d" % rng.integers(0, 10**8)
    ds.Modality = "CT"
    ds.Manufacturer = "Synthetic Medical Systems"
    ds.InstitutionName = "Sendit General Hospital"
    ds.InstitutionAddress = "1 Benchmark Road^^Springfield^^12345^XX"
    ds.ReferringPhysicianName = "Referrer^Rita^^Dr."
    ds.StationName = "CTSCAN01"
    ds.StudyDescription = "CT CHEST ABDOMEN PELVIS W CONTRAST"
    ds.ProcedureCodeSequence = [code_item("CTCAP", "99SENDIT", "CT chest abdomen pelvis with contrast")]
    ds.SeriesDescription = "Axial 0.625mm Standard"
    ds.OperatorsName = "Tech^Tom"
    ds.ManufacturerModelName = "Synthetica 128"
    # Patient
    ds.PatientName = "Doe^Jane^Q"
    ds.PatientID = "P%06d" % patient_number
    ds.PatientBirthDate = "%04d0101" % birth_year
    ds.PatientSex = "F"
    ds.PatientAge = "%03dY" % (2024 - birth_year)
    ds.PatientWeight = "64.5"
    # CT Image and acquisition
    ds.BodyPartExamined = "CHEST"
    ds.ScanOptions = "HELICAL MODE"
    ds.SliceThickness = SLICE_THICKNESS_MM
    ds.KVP = "120"
    ds.DeviceSerialNumber = "SN%05d" % rng.integers(0, 10**5)
    ds.SoftwareVersions = "sendit-bench 1.0"
    ds.ProtocolName = "5.1 CAP Routine"
    ds.ReconstructionDiameter = "%.1f" % FIELD_OF_VIEW_MM
    ds.GantryDetectorTilt = "0.0"
    ds.RotationDirection = "CW"
    ds.ExposureTime = "500"
    ds.XRayTubeCurrent = "285"
    ds.FilterType = "BODY FILTER"
    ds.ConvolutionKernel = "STANDARD"
    ds.PatientPosition = "FFS"
    ds.RevolutionTime = 0.5
    ds.SpiralPitchFactor = 0.984375
    ds.CTDIvol = 11.73
    ds.CTDIPhantomTypeCodeSequence = [code_item("113691", "DCM", "IEC Body Dosimetry Phantom")]
    # General Series, Frame of Reference, General Image
    ds.StudyInstanceUID = uid(seed, "study")
    ds.SeriesInstanceUID = uid(seed, "series", size)
    ds.StudyID = "%d" % rng.integers(1, 10**5)
    ds.SeriesNumber = 3
    ds.AcquisitionNumber = 1
    ds.FrameOfReferenceUID = uid(seed, "frame")
    ds.PositionReferenceIndicator = "SN"
    # Image Plane and Image Pixel
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = size
    ds.Columns = size
    spacing = round(FIELD_OF_VIEW_MM / size, 6)
    ds.PixelSpacing = [spacing, spacing]
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 1
    ds.PixelPaddingValue = -2000
    ds.WindowCenter = [40, 500]
    ds.WindowWidth = [400, 1500]
    ds.RescaleIntercept = 0
    ds.RescaleSlope = 1
    ds.RescaleType = "HU"
    ds.WindowCenterWidthExplanation = ["SOFT TISSUE", "BONE"]
    ds.LossyImageCompression = "00"
    # Private block
    block = ds.private_block(0x0009, "SENDIT SYNTHETIC", create=True)
    block.add_new(0x01, "LO", "benchmark corpus")
    block.add_new(0x02, "US", size)
    block.add_new(0x03, "DS", "%.3f" % SLICE_THICKNESS_MM)
    return ds


def phantom(size, rng):
    """Distance of each pixel from the centre (in units of half the image) and a noise field
    larger than the image, from which each slice takes a shifted window."""
    axis = np.linspace(-1.0, 1.0, size)
    x, y = np.meshgrid(axis, axis)
    radius = np.sqrt((x / 0.9) ** 2 + (y / 0.7) ** 2)
    noise = rng.normal(0.0, 12.0, (size * 2, size * 2)).astype(np.int16)
    return radius, noise


def pixels(radius, noise, index, size):
    """Air outside an elliptical body whose size and organs vary with the slice position."""
    body = 0.85 + 0.1 * np.sin(index / 60.0)
    image = np.full((size, size), -1000, dtype=np.int16)
    image[radius < body] = 40
    image[radius < body * 0.35] = 300 + (index % 200)
    image[(radius > body * 0.92) & (radius < body)] = 700
    offset = (index * 7919) % size
    image += noise[offset:offset + size, (offset * 3) % size:(offset * 3) % size + size]
    return np.clip(image, -2048, 2047).astype("<i2").tobytes()


def write_corpus(folder, count, size, seed):
    rng = np.random.default_rng(seed)
    ds = base_dataset(seed, size, rng)
    radius, noise = phantom(size, rng)
    start = int(ds.StudyTime[0:2]) * 3600 + int(ds.StudyTime[2:4]) * 60 + int(ds.StudyTime[4:6])
    previous_uid = uid(seed, "localizer")
    for index in range(count):
        number = index + 1
        sop_uid = uid(seed, "image", size, number)
        ds.file_meta.MediaStorageSOPInstanceUID = sop_uid
        ds.SOPInstanceUID = sop_uid
        millis = start * 1000 + index * 125  # eight slices a second
        clock = "%02d%02d%02d.%03d" % (millis // 3600000 % 24, millis // 60000 % 60, millis // 1000 % 60, millis % 1000)
        ds.InstanceCreationTime = clock
        ds.AcquisitionTime = clock
        ds.ContentTime = clock
        reference = Dataset()
        reference.ReferencedSOPClassUID = CTImageStorage
        reference.ReferencedSOPInstanceUID = previous_uid
        ds.ReferencedImageSequence = [reference]
        ds.InstanceNumber = number
        z = -100.0 - index * SLICE_THICKNESS_MM
        corner = -FIELD_OF_VIEW_MM / 2
        ds.ImagePositionPatient = [corner, corner, round(z, 4)]
        ds.SliceLocation = round(z, 4)
        ds.PixelData = pixels(radius, noise, index, size)
        ds.save_as(os.path.join(folder, "CT%06d.dcm" % number), enforce_file_format=True)
        previous_uid = sop_uid


def main():
    parser = argparse.ArgumentParser(description="Generate a synthetic CT series for benchmarks.")
    parser.add_argument("outdir", help="parent folder; the series goes into a subfolder named after the options")
    parser.add_argument("--count", type=int, default=1000, help="number of slices (default 1000)")
    parser.add_argument("--size", type=int, default=512, help="rows and columns (default 512)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed (default %d)" % DEFAULT_SEED)
    args = parser.parse_args()
    if args.count < 1 or args.size < 1:
        parser.error("--count and --size must be positive")

    name = "ct-%d-%d" % (args.size, args.count)
    if args.seed != DEFAULT_SEED:
        name += "-seed%d" % args.seed
    folder = os.path.join(args.outdir, name)
    partial = os.path.join(args.outdir, "." + name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    write_corpus(partial, args.count, args.size, args.seed)
    shutil.rmtree(folder, ignore_errors=True)
    os.rename(partial, folder)
    print(folder)


if __name__ == "__main__":
    sys.exit(main())
