#!/usr/bin/env python3
"""Helpers for comparing sendit's NIfTI writer (Pipeline/NIfTIVolume) with dcm2niix.

  nifti_compare.py series KIND OUTDIR [--seed N]
      Writes a synthetic series of KIND into OUTDIR (made if needed) and prints OUTDIR:
        oblique   MR-like: oblique orientation, 48 rows x 40 columns, PixelSpacing 0.9\\1.1,
                  uint16 with BitsStored 12, RescaleSlope 2.5 / RescaleIntercept -10,
                  Implicit VR Little Endian, files written in an order unrelated to position
        sagittal  sagittal (rows run head to foot), int16 with BitsStored 16 and negative
                  values, Explicit VR Little Endian, 9 slices
        enhanced  one Enhanced MR multi-frame object: 7 frames, per-frame positions in the
                  Per-Frame Functional Groups, orientation/spacing/rescale in the Shared ones,
                  frames stored in decreasing position order

  nifti_compare.py compare OURS THEIRS [--dicom DIR]
      Loads both NIfTI files with nibabel and prints one JSON object: shapes, datatypes, whether
      the raw arrays are equal, max abs raw and scaled voxel differences, max abs differences
      of the affines (nibabel's best affine, sform and qform), the scaling of each, the low
      `bits_stored` bits comparison (for dcm2niix releases before v1.0.20230411, which dropped
      the sign of signed data with BitsStored < BitsAllocated: rordenlab/dcm2niix#688), and
      with --dicom the max abs difference between OURS and pydicom's pixel arrays of DIR
      ordered as dcm2niix orders them (x = column, y = reversed row, z = ascending position
      along the slice normal).
Needs pydicom, numpy and nibabel.
"""
import argparse
import glob
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness.corpora import uid  # noqa: E402  (uid(seed, *parts), as make-ct-corpus.py's)


def rotation(ax, ay, az):
    ax, ay, az = np.radians([ax, ay, az])
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


def ds_str(values):
    """DS strings of at most 16 characters."""
    return ["%.10g" % v if len("%.10g" % v) <= 16 else "%.8g" % v for v in values]


def base(seed, sop_class, ts, modality):
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import PYDICOM_IMPLEMENTATION_UID
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.TransferSyntaxUID = ts
    ds.file_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds.SOPClassUID = sop_class
    ds.Modality = modality
    ds.Manufacturer = "SIEMENS"
    ds.PatientName = "Nifti^Test"
    ds.PatientID = "NIFTI%d" % seed
    ds.StudyInstanceUID = uid(seed, "study")
    ds.SeriesInstanceUID = uid(seed, "series", modality, sop_class)
    ds.FrameOfReferenceUID = uid(seed, "frame")
    ds.StudyDate = "20240101"
    ds.SeriesDate = "20240101"
    ds.AcquisitionDate = "20240101"
    ds.StudyTime = "101010"
    ds.SeriesTime = "101010"
    ds.AcquisitionTime = "101010"
    ds.SeriesNumber = 5
    ds.AcquisitionNumber = 1
    ds.SeriesDescription = "nifti test " + modality
    ds.ProtocolName = "nifti_test"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    return ds


def write_slices(out, kind, seed):
    from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, MRImageStorage
    rng = np.random.default_rng(seed)
    if kind == "oblique":
        rows, cols, count, spacing = 48, 40, 12, 3.3
        rot = rotation(17, -11, 23)
        ts, signed, bits_stored = ImplicitVRLittleEndian, False, 12
        pixel_spacing = [0.9, 1.1]
        slope, intercept = 2.5, -10
    else:  # sagittal
        rows, cols, count, spacing = 36, 44, 9, 4.0
        # rows run along -S (column direction 0,0,-1), columns along +A... in LPS: row dir (0,1,0)
        rot = np.array([[0, 0, 1], [1, 0, 0], [0, -1, 0]], dtype=float)
        ts, signed, bits_stored = ExplicitVRLittleEndian, True, 16
        pixel_spacing = [1.25, 0.8]
        slope, intercept = 1, 0
    row_dir, col_dir = rot[:, 0], rot[:, 1]
    normal = np.cross(row_dir, col_dir)
    origin = np.array([-60.0, 35.5, 20.25])
    ds = base(seed, MRImageStorage, ts, "MR")
    ds.ImageOrientationPatient = ds_str(list(row_dir) + list(col_dir))
    ds.PixelSpacing = ds_str(pixel_spacing)
    ds.SliceThickness = "%g" % spacing
    ds.Rows, ds.Columns = rows, cols
    ds.BitsAllocated = 16
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    ds.RescaleSlope = "%g" % slope
    ds.RescaleIntercept = "%g" % intercept
    ds.EchoTime = "30"
    ds.RepetitionTime = "2000"
    ds.MagneticFieldStrength = "3"
    # Instance numbers run against the positions, and files are written in a shuffled order.
    order = rng.permutation(count)
    for k in range(count):
        position = origin + k * spacing * normal
        ds.ImagePositionPatient = ds_str(position)
        ds.InstanceNumber = count - k
        sop = uid(seed, kind, "image", k)
        ds.SOPInstanceUID = sop
        ds.file_meta.MediaStorageSOPInstanceUID = sop
        if signed:
            img = rng.integers(-2000, 2000, (rows, cols)).astype("<i2")
        else:
            img = rng.integers(0, 4096, (rows, cols)).astype("<u2")
        img[0, :] = k * 10 + (3 if not signed else -3)   # the first row marks the slice
        ds.PixelData = img.tobytes()
        ds.save_as(os.path.join(out, "IM%04d.dcm" % order[k]), enforce_file_format=True,
                   implicit_vr=(ts == ImplicitVRLittleEndian), little_endian=True)


def write_enhanced(out, seed):
    from pydicom.dataset import Dataset
    from pydicom.uid import ExplicitVRLittleEndian
    enhanced_mr = "1.2.840.10008.5.1.4.1.1.4.1"
    rng = np.random.default_rng(seed)
    rows, cols, frames, spacing = 32, 28, 7, 2.5
    rot = rotation(-8, 14, 5)
    row_dir, col_dir = rot[:, 0], rot[:, 1]
    normal = np.cross(row_dir, col_dir)
    origin = np.array([10.0, -20.0, 30.0])
    ds = base(seed, enhanced_mr, ExplicitVRLittleEndian, "MR")
    sop = uid(seed, "enhanced", "image")
    ds.SOPInstanceUID = sop
    ds.file_meta.MediaStorageSOPInstanceUID = sop
    ds.InstanceNumber = 1
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "NONE"]
    ds.ContentDate = "20240101"
    ds.ContentTime = "101010"
    ds.AcquisitionDateTime = "20240101101010"
    ds.Rows, ds.Columns = rows, cols
    ds.NumberOfFrames = frames
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.MagneticFieldStrength = "3"
    shared = Dataset()
    po = Dataset()
    po.ImageOrientationPatient = ds_str(list(row_dir) + list(col_dir))
    shared.PlaneOrientationSequence = [po]
    pm = Dataset()
    pm.PixelSpacing = ds_str([0.75, 0.7])
    pm.SliceThickness = "%g" % spacing
    pm.SpacingBetweenSlices = "%g" % spacing
    shared.PixelMeasuresSequence = [pm]
    pvt = Dataset()
    pvt.RescaleSlope = "1.5"
    pvt.RescaleIntercept = "4"
    pvt.RescaleType = "US"
    shared.PixelValueTransformationSequence = [pvt]
    mr_te = Dataset()
    mr_te.EffectiveEchoTime = 30.0
    shared.MREchoSequence = [mr_te]
    ds.SharedFunctionalGroupsSequence = [shared]
    dim_uid = uid(seed, "dimension")
    dim = Dataset()
    dim.DimensionOrganizationUID = dim_uid
    ds.DimensionOrganizationSequence = [dim]
    index = Dataset()
    index.DimensionOrganizationUID = dim_uid
    index.DimensionIndexPointer = 0x00209057   # In-Stack Position Number
    index.FunctionalGroupPointer = 0x00209111  # Frame Content Sequence
    ds.DimensionIndexSequence = [index]
    per_frame = []
    images = []
    for f in range(frames):
        k = frames - 1 - f  # stored in decreasing position order
        item = Dataset()
        pp = Dataset()
        pp.ImagePositionPatient = ds_str(origin + k * spacing * normal)
        item.PlanePositionSequence = [pp]
        fc = Dataset()
        fc.InStackPositionNumber = f + 1
        fc.DimensionIndexValues = [f + 1]
        fc.StackID = "1"
        item.FrameContentSequence = [fc]
        per_frame.append(item)
        img = rng.integers(0, 60000, (rows, cols)).astype("<u2")
        img[0, :] = 100 + k
        images.append(img)
    ds.PerFrameFunctionalGroupsSequence = per_frame
    ds.PixelData = np.stack(images).tobytes()
    ds.save_as(os.path.join(out, "ENHANCED.dcm"), enforce_file_format=True)


def dcm2niix_order(folder):
    """pydicom's pixel arrays of a folder's images (or frames), ordered as dcm2niix orders them."""
    import pydicom
    frames = []
    for path in sorted(glob.glob(os.path.join(folder, "*"))):
        ds = pydicom.dcmread(path)
        arr = ds.pixel_array
        n = int(getattr(ds, "NumberOfFrames", 1) or 1)
        if n == 1:
            arr = arr[np.newaxis]
        shared = ds.SharedFunctionalGroupsSequence[0] if "SharedFunctionalGroupsSequence" in ds else None
        for f in range(n):
            if "PerFrameFunctionalGroupsSequence" in ds:
                pf = ds.PerFrameFunctionalGroupsSequence[f]
                ipp = pf.PlanePositionSequence[0].ImagePositionPatient
                group = pf if "PlaneOrientationSequence" in pf else shared
                iop = group.PlaneOrientationSequence[0].ImageOrientationPatient
            else:
                ipp, iop = ds.ImagePositionPatient, ds.ImageOrientationPatient
            normal = np.cross(np.array(iop[:3], float), np.array(iop[3:], float))
            frames.append((float(np.dot(normal, np.array(ipp, float))), arr[f]))
    frames.sort(key=lambda t: t[0])
    return np.stack([a.T[:, ::-1] for _, a in frames], axis=2)


def compare(ours_path, theirs_path, dicom):
    import nibabel as nib
    ours, theirs = nib.load(ours_path), nib.load(theirs_path)
    # The raw (stored) arrays; get_fdata() applies scl_slope and scl_inter.
    a, b = ours.dataobj.get_unscaled(), theirs.dataobj.get_unscaled()
    result = {
        "shape_ours": list(a.shape), "shape_theirs": list(b.shape),
        "dtype_ours": str(a.dtype), "dtype_theirs": str(b.dtype),
        "scaling_ours": [float(ours.dataobj.slope), float(ours.dataobj.inter)],
        "scaling_theirs": [float(theirs.dataobj.slope), float(theirs.dataobj.inter)],
        "qform_code_ours": int(ours.header["qform_code"]), "sform_code_ours": int(ours.header["sform_code"]),
    }
    same_shape = a.shape == b.shape
    result["raw_equal"] = bool(same_shape and np.array_equal(a, b))
    if same_shape:
        result["max_abs_raw_diff"] = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) if a.size else 0.0
        result["max_abs_scaled_diff"] = float(np.max(np.abs(ours.get_fdata() - theirs.get_fdata()))) if a.size else 0.0
        bits = int(np.dtype(a.dtype).itemsize * 8)
        result["bits"] = bits
    result["max_abs_affine_diff"] = float(np.max(np.abs(ours.affine - theirs.affine)))
    result["max_abs_sform_diff"] = float(np.max(np.abs(ours.get_sform() - theirs.get_sform())))
    result["max_abs_qform_diff"] = float(np.max(np.abs(ours.get_qform() - theirs.get_qform())))
    result["max_abs_our_qform_vs_sform"] = float(np.max(np.abs(ours.get_qform() - ours.get_sform())))
    result["affine_ours"] = ours.affine.tolist()
    if dicom:
        ref = dcm2niix_order(dicom)
        result["shape_pydicom"] = list(ref.shape)
        a3 = a.reshape(a.shape[:3]) if a.ndim >= 3 else a.reshape(a.shape + (1,) * (3 - a.ndim))
        if ref.shape == a3.shape:
            result["max_abs_diff_vs_pydicom"] = float(np.max(np.abs(a3.astype(np.float64) - ref.astype(np.float64))))
    # Low 12 bits, for the old dcm2niix that masks signed 12-bit data without sign extension.
    if same_shape and a.dtype.kind in "iu" and a.dtype.itemsize == 2:
        ua, ub = a.astype(np.int64) & 0xFFF, b.astype(np.int64) & 0xFFF
        result["low12_equal"] = bool(np.array_equal(ua, ub))
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("series")
    s.add_argument("kind", choices=["oblique", "sagittal", "enhanced"])
    s.add_argument("outdir")
    s.add_argument("--seed", type=int, default=7)
    c = sub.add_parser("compare")
    c.add_argument("ours")
    c.add_argument("theirs")
    c.add_argument("--dicom")
    args = parser.parse_args()
    if args.command == "series":
        os.makedirs(args.outdir, exist_ok=True)
        if args.kind == "enhanced":
            write_enhanced(args.outdir, args.seed)
        else:
            write_slices(args.outdir, args.kind, args.seed)
        print(args.outdir)
    else:
        compare(args.ours, args.theirs, args.dicom)


if __name__ == "__main__":
    sys.exit(main())
