"""Reads an XDMF file poisson wrote, and the HDF5 file it names, as a user
would: the XDMF file as XML, its data item resolved into the HDF5 file with
h5py, then both through ParaView's XDMF readers (VTK's vtkXdmfReader and
vtkXdmf3Reader). Prints what it found, one fact a line: key, a tab, value.

    /usr/bin/python3 read_xdmf.py u.xmf
"""

import os
import sys
import xml.etree.ElementTree as ET

import h5py
from vtkmodules.vtkIOXdmf2 import vtkXdmfReader
from vtkmodules.vtkIOXdmf3 import vtkXdmf3Reader


def say(key, *values):
    print(key, " ".join(str(v) for v in values), sep="\t")


xmf = sys.argv[1]
grid = ET.parse(xmf).getroot().find("Domain/Grid")
topology, geometry, attribute = grid.find("Topology"), grid.find("Geometry"), grid.find("Attribute")
say("topology", topology.get("TopologyType"))
say("dimensions", topology.get("Dimensions"))
say("geometry", geometry.get("GeometryType"))
origin, spacing = geometry.findall("DataItem")
say("origin", origin.text.strip())
say("spacing", spacing.text.strip())
item = attribute.find("DataItem")
name = attribute.get("Name")
say("attribute", name, attribute.get("AttributeType"), attribute.get("Center"))
say("item", item.get("Format"), item.get("NumberType"), item.get("Precision"), item.get("Dimensions"))
file, dataset = item.text.strip().split(":")
say("file", file)
say("dataset", dataset)

# The data item resolved as the XDMF file says: relative to its directory.
with h5py.File(os.path.join(os.path.dirname(xmf), file), "r") as h5:
    data = h5[dataset]
    say("shape", *data.shape)
    say("dtype", data.dtype.str)
    for key, value in sorted(data.attrs.items()):
        say("attr " + key, value.decode() if isinstance(value, bytes) else repr(value.item()))
    say("h5 values", *(repr(v.item()) for v in data[...].ravel()))

for reader in (vtkXdmfReader, vtkXdmf3Reader):
    r = reader()
    r.SetFileName(xmf)
    r.Update()
    out = r.GetOutputDataObject(0)
    values = out.GetPointData().GetArray(name)
    key = reader.__name__
    say(key + " points", out.GetNumberOfPoints())
    say(key + " bounds", *(repr(b) for b in out.GetBounds()))
    say(key + " positions", *(repr(c) for i in range(out.GetNumberOfPoints()) for c in out.GetPoint(i)))
    say(key + " values", *(repr(values.GetValue(i)) for i in range(values.GetNumberOfTuples())))
