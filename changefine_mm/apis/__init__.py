"""Inference APIs: in-memory pairs, files and folders, big GeoTIFF scenes,
ONNX export. rasterio, pyogrio and onnx are imported only when a function
that needs them runs (``pip install "changefine-mm[geo]"`` /
``"changefine-mm[deploy]"``)."""
from .files import match_pairs, predict_files, read_image
from .geotiff_inference import predict_geotiff
from .inferencer import ChangeInferencer, build_change_model
from .onnx_export import check_export, export_onnx, verify_onnx
from .polygons import write_polygons
from .scd_files import predict_scd_files
from .scd_geotiff import predict_scd_geotiff
from .scd_inferencer import SCDInferencer
from .scene import SceneStats, blend_scene
from .sliding import StripBlender, Window, window_rows, window_weights

__all__ = [
    'ChangeInferencer', 'build_change_model', 'predict_files',
    'predict_geotiff', 'match_pairs', 'read_image', 'write_polygons',
    'export_onnx', 'verify_onnx', 'check_export', 'blend_scene', 'SceneStats',
    'StripBlender', 'Window', 'window_rows', 'window_weights',
    'SCDInferencer', 'predict_scd_files', 'predict_scd_geotiff'
]
