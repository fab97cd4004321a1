from .prompt_change_decoder import PromptChangeDecoder

__all__ = ['PromptChangeDecoder']
